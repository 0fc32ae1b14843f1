import {stringify} from 'yaml';
import type {KubeconfigPlan} from '../plan/types.js';

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

/** A kubeconfig with everything embedded, so the file alone is enough on the node. */
export function renderKubeconfig(k: Pick<KubeconfigPlan, 'cluster' | 'user' | 'context' | 'server'>, caPem: string, certPem: string, keyPem: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{name: k.cluster, cluster: {'certificate-authority-data': b64(caPem), server: k.server}}],
    contexts: [{name: k.context, context: {cluster: k.cluster, user: k.user}}],
    'current-context': k.context,
    preferences: {},
    users: [{name: k.user, user: {'client-certificate-data': b64(certPem), 'client-key-data': b64(keyPem)}}],
  }, {lineWidth: 0});
}
