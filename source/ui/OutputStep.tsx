import React from 'react';
import {Form} from './Form.js';
import {outputErrors, type OutputCheck} from '../interview/checks.js';
import {editsDraft, type StepProps} from './steps.js';


export function OutputStep({state, edit, next, back, checkOut}: StepProps & {checkOut: OutputCheck}) {
  const d = state.draft;
  return (
    <Form
      fields={[
        {kind: 'text', key: 'out', label: 'Output directory', value: d.out, hint: 'Must be new or empty: nothing is ever overwritten'},
        {kind: 'text', key: 'ssh.user', label: 'SSH user', value: d.sshUser},
      ]}
      errors={state.errors}
      onChange={editsDraft(edit, {out: 'out', 'ssh.user': 'sshUser'})}
      onSubmit={() => {
        const errors = outputErrors(d, checkOut);
        next(Object.keys(errors).length ? errors : undefined);
      }}
      onBack={back}
    />
  );
}
