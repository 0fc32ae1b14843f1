import React from 'react';
import {Box, Text} from 'ink';
import {Form, type Field} from './Form.js';
import {outputErrors, type OutputCheck} from '../interview/checks.js';
import {expiryMonitoringLesson} from '../interview/lessons.js';
import {sshWarning} from '../plan/plan.js';
import {editsDraft, type StepProps} from './steps.js';

const NO_YES = ['no', 'yes'] as const;
const NEW_OUT_HINT = 'Must be new or empty: nothing is ever overwritten';

/** `outHint`: the output field's hint on an existing OUT (the default is a new PKI's). */
export function OutputStep({state, edit, next, back, checkOut, outHint = NEW_OUT_HINT}: StepProps & {checkOut: OutputCheck; outHint?: string}) {
  const d = state.draft;
  const user = d.sshUser.trim();
  // Root installs into /etc directly; any other user needs sudo, so the question is asked only then.
  const asksSudo = user !== 'root';
  const warning = sshWarning({user, sudo: d.sshSudo});
  const fields: Field[] = [
    {kind: 'text', key: 'out', label: 'Output directory', value: d.out, hint: outHint},
    {kind: 'text', key: 'ssh.user', label: 'SSH user', value: d.sshUser},
    ...(asksSudo ? [{
      kind: 'choice' as const, key: 'ssh.sudo', label: 'Install with sudo', value: d.sshSudo ? 'yes' : 'no', options: NO_YES,
      hint: 'distribute.sh copies to a private directory, then sudo -n install (owner root); the user needs sudo without a password',
    }] : []),
    {kind: 'choice', key: 'monitoring.expiry', label: 'Expiry monitoring', value: d.monitoringExpiry ? 'yes' : 'no', options: NO_YES, hint: expiryMonitoringLesson},
  ];
  const editText = editsDraft(edit, {out: 'out', 'ssh.user': 'sshUser'});
  return (
    <Box flexDirection="column">
      <Form
        fields={fields}
        errors={state.errors}
        onChange={(key, value) => (key === 'ssh.sudo' ? edit({sshSudo: value === 'yes'}) : key === 'monitoring.expiry' ? edit({monitoringExpiry: value === 'yes'}) : editText(key, value))}
        onSubmit={() => {
          const errors = outputErrors(d, checkOut);
          next(Object.keys(errors).length ? errors : undefined);
        }}
        onBack={back}
      />
      {warning && user !== '' ? <Text color="yellow" wrap="wrap">⚠ {warning}</Text> : null}
    </Box>
  );
}
