// The kubeconfig template gives what the yaml library gives for the same object, and reads back.
import {describe, expect, it} from 'vitest';
import {parse, stringify} from 'yaml';
import {renderKubeconfig} from '../../source/pki/kubeconfig.js';
import type {KubeconfigPlan} from '../../source/plan/types.js';

const viaLibrary = (k: Pick<KubeconfigPlan, 'cluster' | 'server' | 'context' | 'user'>, ca: string, cert: string, key: string) => stringify({
  apiVersion: 'v1', kind: 'Config',
  clusters: [{name: k.cluster, cluster: {'certificate-authority-data': Buffer.from(ca).toString('base64'), server: k.server}}],
  contexts: [{name: k.context, context: {cluster: k.cluster, user: k.user}}],
  'current-context': k.context, preferences: {},
  users: [{name: k.user, user: {'client-certificate-data': Buffer.from(cert).toString('base64'), 'client-key-data': Buffer.from(key).toString('base64')}}],
}, {lineWidth: 0});

const cases = [
  {cluster: 'kubernetes', server: 'https://192.168.56.20:6443', user: 'system:node:worker-1', context: 'system:node:worker-1@kubernetes'},
  {cluster: 'prod.example', server: 'https://[fd00::21]:6443', user: 'kubernetes-admin', context: 'kubernetes-admin@prod.example'},
  {cluster: 'true', server: 'https://api.example.com:443', user: 'system:kube-scheduler', context: 'system:kube-scheduler@true'},
  {cluster: '2024', server: 'https://lb:6443', user: 'a: b', context: '#x'},
  {cluster: 'null', server: 'https://lb:6443', user: '-x', context: 'é'},
];

describe('renderKubeconfig', () => {
  it.each(cases)('$cluster / $user: the same bytes as the yaml library, and the same object back', names => {
    const k = {...names} as KubeconfigPlan;
    const pems = ['-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nREVG\n-----END CERTIFICATE-----\n', '-----BEGIN EC PRIVATE KEY-----\nR0hJ\n-----END EC PRIVATE KEY-----\n'] as const;
    const text = renderKubeconfig(k, ...pems);
    expect(text).toBe(viaLibrary(k, ...pems));
    expect(parse(text)).toEqual(parse(viaLibrary(k, ...pems)));
    expect(parse(text).users[0].name).toBe(names.user);
  });
});
