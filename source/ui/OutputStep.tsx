import React from 'react';
import {Form} from './Form.js';
import {editsDraft, type StepProps} from './steps.js';


export function OutputStep({state, edit, next, back, checkOut}: StepProps & {checkOut: (out: string) => string | undefined}) {
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
        const problem = d.out.trim() === '' ? 'is required' : checkOut(d.out.trim());
        next(problem ? {out: problem} : undefined);
      }}
      onBack={back}
    />
  );
}
