// What a Kubernetes release changes in the files, read from the catalog's own tables: the wizard
// and plain mode explain the version choice with exactly what the plan will do.
import {DEFAULT_KUBERNETES_VERSION, KNOWN_MINORS, minorOf, type Layout} from '../spec/types.js';
import {CERTIFICATES, forContext} from './catalog.js';
import {LAYOUT_FILES} from './layouts.js';
import type {CertificateId} from './types.js';

/** kubeadm's configuration API: v1beta4 arrived in v1.31, v1beta3 is what the older releases read. */
export const kubeadmApiVersion = (minor: number) => (minor <= 30 ? 'kubeadm.k8s.io/v1beta3' : 'kubeadm.k8s.io/v1beta4');

/** From v1.33 kubeadm's ControlPlaneKubeletLocalMode (beta, on by default) points a control-plane node's kubelet at its own apiserver. */
export const CONTROL_PLANE_KUBELET_LOCAL_SINCE = 33;

/**
 * One version per known minor, newest last: the one already chosen when its minor matches, the
 * default for the default's minor, else the minor's first release.
 */
export function knownReleases(current = DEFAULT_KUBERNETES_VERSION): string[] {
  const chosen = /^v1\.\d+\.\d+$/.test(current) ? current : DEFAULT_KUBERNETES_VERSION;
  const versions: string[] = [];
  for (let minor = KNOWN_MINORS.first; minor <= KNOWN_MINORS.last; minor++) {
    versions.push(minorOf(chosen) === minor ? chosen : minorOf(DEFAULT_KUBERNETES_VERSION) === minor ? DEFAULT_KUBERNETES_VERSION : `v1.${minor}.0`);
  }
  return versions;
}

export interface ReleaseFact {
  /** The file or setting, e.g. admin.conf. */
  topic: string;
  value: string;
}

/** The identities that depend on the release; the first two live in kubeconfigs of the same id. */
const VERSIONED: CertificateId[] = ['admin', 'super-admin', 'apiserver-kubelet-client'];

/** The file a user knows the identity by: its kubeconfig (admin.conf), else the certificate's id. */
function topicOf(layout: Layout, id: CertificateId): string {
  const kubeconfig = (LAYOUT_FILES[layout].kubeconfigs as Record<string, {file: (node: string) => string} | null | undefined>)[id];
  return kubeconfig ? kubeconfig.file('') : id;
}

/** What the files look like for this layout and minor release. */
export function releaseFacts(layout: Layout, minor: number): ReleaseFact[] {
  const facts: ReleaseFact[] = [];
  for (const id of VERSIONED) {
    if (LAYOUT_FILES[layout].certificates[id] === null) continue;
    const topic = topicOf(layout, id);
    const kind = CERTIFICATES.find(c => c.id === id)!;
    if ((kind.since ?? 0) > minor) {
      facts.push({topic, value: `none (from v1.${kind.since})`});
      continue;
    }
    const groups = forContext(kind.organizations, {layout, minor});
    facts.push({topic, value: groups.length > 0 ? `O=${groups.join(',')}` : 'no O (kubeadm binds its user to a role instead)'});
  }
  if (layout === 'kubeadm') {
    facts.push({topic: 'kubeadm configuration', value: kubeadmApiVersion(minor)});
    facts.push({topic: 'kubelet.conf on control-plane nodes', value: minor >= CONTROL_PLANE_KUBELET_LOCAL_SINCE ? 'dials its own apiserver' : 'dials the endpoint'});
  }
  return facts;
}

/** The facts that differ from the release before (none for the first known one). */
export function releaseChanges(layout: Layout, minor: number): ReleaseFact[] {
  if (minor <= KNOWN_MINORS.first) return [];
  const before = new Map(releaseFacts(layout, minor - 1).map(f => [f.topic, f.value]));
  return releaseFacts(layout, minor).filter(f => before.get(f.topic) !== f.value);
}
