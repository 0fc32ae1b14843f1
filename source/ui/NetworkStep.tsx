import React from 'react';
import {Form} from './Form.js';
import {serviceIpPreview} from '../interview/lessons.js';
import {editsDraft, type StepProps} from './steps.js';



export function NetworkStep({state, edit, next, back}: StepProps) {
  const d = state.draft;
  return (
    <Form
      fields={[
        {kind: 'text', key: 'network.serviceCIDR', label: 'Service CIDR', value: d.serviceCIDR, hint: 'kube-apiserver --service-cluster-ip-range'},
        {kind: 'text', key: 'network.clusterDomain', label: 'Cluster domain', value: d.clusterDomain},
        {kind: 'text', key: 'extraSANs', label: 'Extra SANs', value: d.extraSANs, hint: 'More names or IPs for the apiserver, comma-separated (a future load balancer?)'},
      ]}
      errors={Object.fromEntries(Object.entries(state.errors).map(([k, v]) => [k.replace(/^extraSANs\[\d+\]$/, 'extraSANs'), v]))}
      live={{'network.serviceCIDR': serviceIpPreview(d.serviceCIDR)}}
      onChange={editsDraft(edit, {'network.serviceCIDR': 'serviceCIDR', 'network.clusterDomain': 'clusterDomain', extraSANs: 'extraSANs'})}
      onSubmit={() => next()}
      onBack={back}
    />
  );
}
