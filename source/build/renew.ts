// Which leaves a renewal re-issues: named by certificate id (`apiserver`, every node's
// `kubelet-client`), by ref (`kubelet-client/worker1`), by node (every certificate of that node
// alone), `all`, or by expiry (read from the certificates OUT holds); `node:NAME` and `cert:NAME`
// when a node shares a name with a certificate or with `all`. The engine then issues exactly those anew from OUT's CAs (see build/index.ts `only`).
import {X509Certificate} from 'node:crypto';
import type {ExistingOut} from '../output/existing.js';
import type {Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {SERVICE_ACCOUNT_REF} from './index.js';

export interface RenewSelection {
  /** Refs to issue anew, in plan order. */
  refs: string[];
  /** Per ref, when its certificate in OUT expires (absent for the service-account pair). */
  expires: Map<string, Date>;
}

const HOUR_MS = 3_600_000;

export function selectRenewals(plan: Plan, existing: ExistingOut, names: readonly string[], expiringWithinHours: number | undefined, now = new Date()): RenewSelection {
  const expires = new Map<string, Date>();
  for (const c of plan.certificates) {
    const at = expiryOf(existing.certificates.get(c.ref)?.cert.pem);
    if (at) expires.set(c.ref, at);
  }
  const wanted = new Set<string>();
  const problems: string[] = [];
  for (const name of names) {
    const found = refsNamed(plan, name);
    if (found.length === 0) {
      problems.push(`renew: ${JSON.stringify(name)} is neither a certificate id (${[...new Set(plan.certificates.map(c => c.id))].join(', ')}), a certificate ref such as ${plan.certificates.find(c => c.node)?.ref ?? 'apiserver'}, a node (${plan.nodes.map(n => n.name).join(', ')}), ${SERVICE_ACCOUNT_REF} nor all (node:NAME and cert:NAME say which is meant)`);
    }
    for (const ref of found) wanted.add(ref);
  }
  if (problems.length) throw new InputError(problems);
  // With no names, --expiring-within looks at every leaf; with names, at those.
  if (names.length === 0) for (const c of plan.certificates) wanted.add(c.ref);
  if (expiringWithinHours !== undefined) {
    const limit = now.getTime() + expiringWithinHours * HOUR_MS;
    for (const ref of [...wanted]) {
      const at = expires.get(ref);
      // The service-account pair never expires; a certificate OUT cannot read is renewed (the engine reports it damaged).
      if (ref === SERVICE_ACCOUNT_REF || (at !== undefined && at.getTime() > limit)) wanted.delete(ref);
    }
  }
  const order = [...plan.certificates.map(c => c.ref), SERVICE_ACCOUNT_REF];
  return {refs: order.filter(ref => wanted.has(ref)), expires};
}

/**
 * What a name means: `node:NAME` a node's own certificates; `cert:NAME` the certificates it names
 * (all, service-account, an id, a ref, a file name); a bare name either, and refused when it is
 * both (a node named `apiserver` or `all`), so that neither meaning shadows the other.
 */
function refsNamed(plan: Plan, name: string): string[] {
  if (name.startsWith('node:')) return nodeRefs(plan, name.slice('node:'.length));
  if (name.startsWith('cert:')) return certificateRefs(plan, name.slice('cert:'.length));
  const certificates = certificateRefs(plan, name);
  const node = plan.nodes.some(n => n.name === name) ? nodeRefs(plan, name) : [];
  if (certificates.length && node.length) {
    throw new InputError([`renew: ${JSON.stringify(name)} is both ${name === 'all' ? 'every certificate' : 'a certificate'} and a node: write cert:${name} for ${name === 'all' ? 'every certificate' : 'the certificate'}, or node:${name} for that node's certificates`]);
  }
  return certificates.length ? certificates : node;
}

function certificateRefs(plan: Plan, name: string): string[] {
  if (name === 'all') return plan.certificates.map(c => c.ref);
  if (name === SERVICE_ACCOUNT_REF) return [SERVICE_ACCOUNT_REF];
  // By id or ref, or by the certificate's file name (kube-api-server.crt, kube-api-server).
  const file = (path: string) => path.split('/').at(-1)!;
  return plan.certificates.filter(c => c.id === name || c.ref === name || file(c.cert) === name || file(c.cert) === `${name}.crt`).map(c => c.ref);
}

/** A node's own certificates; a shared one (kube-proxy's, for one) is named by its id. */
const nodeRefs = (plan: Plan, name: string) => plan.certificates.filter(c => c.node === name).map(c => c.ref);

/** When a certificate ends; undefined when OUT lacks it or it cannot be read (damaged). */
function expiryOf(pem: string | undefined): Date | undefined {
  if (pem === undefined) return undefined;
  try {
    return new Date(new X509Certificate(pem).validTo);
  } catch {
    return undefined;
  }
}
