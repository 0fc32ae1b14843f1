import React from 'react';
import {Form} from './Form.js';
import {KEY_TYPES} from '../spec/types.js';
import {editsDraft, type StepProps} from './steps.js';


export function KeysStep({state, edit, next, back}: StepProps) {
  const d = state.draft;
  return (
    <Form
      fields={[
        {kind: 'choice', key: 'pki.key', label: 'Key type', value: d.key, options: KEY_TYPES, hint: '←/→ to change'},
        {kind: 'text', key: 'pki.validity.ca', label: 'CA validity', value: d.caValidity, hint: 'hours, days or years: 87600h, 3650d, 10y'},
        {kind: 'text', key: 'pki.validity.certificate', label: 'Certificate validity', value: d.certificateValidity},
      ]}
      errors={state.errors}
      onChange={editsDraft(edit, {'pki.key': 'key', 'pki.validity.ca': 'caValidity', 'pki.validity.certificate': 'certificateValidity'})}
      onSubmit={() => next()}
      onBack={back}
    />
  );
}
