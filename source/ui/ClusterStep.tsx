import React from 'react';
import {Form} from './Form.js';
import {editsDraft, type StepProps} from './steps.js';

export function ClusterStep({state, edit, next, back}: StepProps) {
  const d = state.draft;
  return (
    <Form
      fields={[
        {kind: 'text', key: 'name', label: 'Cluster name', value: d.name, hint: 'The cluster name inside every kubeconfig'},
        {kind: 'text', key: 'endpoint.host', label: 'API endpoint host', value: d.endpointHost, hint: 'A load balancer, or the first control-plane node (IP or DNS name)'},
        {kind: 'text', key: 'endpoint.port', label: 'API endpoint port', value: d.endpointPort},
      ]}
      errors={state.errors}
      onChange={editsDraft(edit, {name: 'name', 'endpoint.host': 'endpointHost', 'endpoint.port': 'endpointPort'})}
      onSubmit={() => next()}
      onBack={back}
    />
  );
}

