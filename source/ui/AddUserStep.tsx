import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import type {AddUserRequest, UserResult} from '../build/users.js';
import {SIGNING, emptyUserForm, errorsByField, userFormErrors, userFormWarnings, userRequest, userResultLines, type Signing, type UserForm} from '../interview/users.js';
import {Form} from './Form.js';

interface Props {
  out: string;
  /** The cluster's certificate validity: what a blank validity means. */
  defaultValidity: string;
  /** Writes the user (kubepki user add); rejects with the validator's lines (InputError). */
  addUser: (out: string, request: AddUserRequest) => Promise<UserResult>;
  /** Back to the screen the form was opened from. */
  onDone: () => void;
}

const SIGNING_LABELS = Object.values(SIGNING);
const signingOf = (label: string) => (Object.keys(SIGNING) as Signing[]).find(k => SIGNING[k] === label)!;

/** A person's kubectl access: the form, then the files written and what to run. */
export function AddUserStep({out, defaultValidity, addUser, onDone}: Props) {
  const [form, setForm] = useState<UserForm>(emptyUserForm);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<UserResult>();
  // The form as of the last key: a burst such as "30d⏎" submits before React renders the new value.
  const latest = useRef(form);

  useInput((input, key) => {
    if (result && (key.return || key.escape || input === 'q')) onDone();
  }, {isActive: result !== undefined});

  if (result) {
    const {title, files, next} = userResultLines(out, result);
    return (
      <Box flexDirection="column">
        <Text color="green">✓ {title}: wrote</Text>
        {files.map(f => <Text key={f}>  {f}</Text>)}
        {result.warnings.map(w => <Text key={w} color="yellow" wrap="wrap">⚠ {w}</Text>)}
        {next.map(line => <Box key={line} paddingLeft={line.startsWith('kube') ? 2 : 0}><Text wrap="wrap">{line}</Text></Box>)}
        <Text dimColor>Enter or Esc: back</Text>
      </Box>
    );
  }

  const submit = () => {
    if (busy) return;
    const current = latest.current;
    const problems = userFormErrors(current);
    setErrors(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    addUser(out, userRequest(current)).then(setResult, (error: Error & {lines?: string[]}) => {
      setErrors(errorsByField(error.lines ?? [error.message]));
      setBusy(false);
    });
  };
  const warnings = userFormWarnings(form);
  return (
    <Box flexDirection="column">
      <Form
        isActive={!busy}
        fields={[
          {kind: 'text', key: 'name', label: 'Name', value: form.name, hint: 'the certificate\'s CN: who kubectl says you are'},
          {kind: 'text', key: 'groups', label: 'Groups', value: form.groups, hint: 'comma separated; each is an O of the certificate, bound by RBAC'},
          {kind: 'choice', key: 'signing', label: 'Signed by', value: SIGNING[form.signing], options: SIGNING_LABELS, hint: '←/→: the CA key here, or a CertificateSigningRequest the cluster approves'},
          {kind: 'text', key: 'validity', label: 'Validity', value: form.validity, hint: `e.g. 90d; blank: the cluster's ${defaultValidity}`},
        ]}
        errors={errors}
        onChange={(key, value) => {
          setErrors({});
          latest.current = {...latest.current, [key]: key === 'signing' ? signingOf(value) : value};
          setForm(latest.current);
        }}
        onSubmit={submit}
        onBack={onDone}
      />
      {warnings.map(w => <Text key={w} color="yellow" wrap="wrap">⚠ {w}</Text>)}
      {errors.form ? <Text color="red" wrap="wrap">✗ {errors.form}</Text> : null}
      <Text dimColor>{busy ? 'writing…' : `Into ${out}/users/${form.name || 'NAME'}/ · Enter on the last field: add`}</Text>
    </Box>
  );
}
