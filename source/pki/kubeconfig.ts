import {stringify} from 'yaml';
import type {KubeconfigPlan} from '../plan/types.js';

const b64 = (pem: string) => Buffer.from(pem).toString('base64');

// Plain scalars that YAML reads back as the same string: no indicator first, no ": " or " #",
// not a number, boolean or null. Anything else is quoted by the yaml library.
const PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./@:+=\[\]-]*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|~|[-+.\d][\d._+eExXoObB-]*|\.inf|\.nan)$/i;
const scalar = (value: string) =>
  PLAIN.test(value) && !RESERVED.test(value) && !value.includes(': ') && !value.endsWith(':') ? value : stringify(value, {lineWidth: 0}).trimEnd();

/**
 * A kubeconfig with everything embedded, so the file alone is enough on the node. Written from a
 * template (a large cluster has thousands; a YAML document builder cost more than their keys), in
 * the form the yaml library gives the same object (checked in test/pki).
 */
export function renderKubeconfig(k: Pick<KubeconfigPlan, 'cluster' | 'user' | 'context' | 'server'>, caPem: string, certPem: string, keyPem: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: ${scalar(k.cluster)}
    cluster:
      certificate-authority-data: ${b64(caPem)}
      server: ${scalar(k.server)}
contexts:
  - name: ${scalar(k.context)}
    context:
      cluster: ${scalar(k.cluster)}
      user: ${scalar(k.user)}
current-context: ${scalar(k.context)}
preferences: {}
users:
  - name: ${scalar(k.user)}
    user:
      client-certificate-data: ${b64(certPem)}
      client-key-data: ${b64(keyPem)}
`;
}
