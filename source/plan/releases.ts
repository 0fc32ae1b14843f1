// What a Kubernetes release changes in the files, read from the catalog's own tables and the
// release table (release-table.ts): the wizard, plain mode, the plan and `--update` explain the
// version with exactly what the plan will do.
import {DEFAULT_KUBERNETES_VERSION, KNOWN_MINORS, type Layout} from '../spec/types.js';
import {CERTIFICATES, forContext} from './catalog.js';
import {LAYOUT_FILES} from './layouts.js';
import {hasChange, isNewerThanKnown, releaseOf, versionOf, type Release} from './release-table.js';
import type {CertificateId} from './types.js';

/** kubeadm's configuration API: v1beta4 arrived in v1.31, v1beta3 is what the older releases read. */
export const kubeadmApiVersion = (release: Release) => (hasChange('kubeadm-v1beta4', release) ? 'kubeadm.k8s.io/v1beta4' : 'kubeadm.k8s.io/v1beta3');

/** From v1.33 kubeadm's ControlPlaneKubeletLocalMode (beta, on by default) points a control-plane node's kubelet at its own apiserver. */
export const controlPlaneKubeletLocal = (release: Release) => hasChange('control-plane-kubelet-local', release);

/** kubeadm binds apiserver-kubelet-client's user, not its group: the certificate relies on ClusterRoleBinding kubeadm:apiserver-kubelet-client. */
export const kubeletApiAdminBinding = (release: Release) => hasChange('kubelet-api-admin', release);

/**
 * One version per known minor, newest last: the one already chosen when its minor matches, the
 * default for the default's minor, else the minor's first release (a patch release that changed
 * identities, such as v1.36.1, is chosen in the config; each release's facts are its own).
 */
export function knownReleases(current = DEFAULT_KUBERNETES_VERSION): string[] {
  const chosen = /^v1\.\d+\.\d+$/.test(current) ? releaseOf(current) : releaseOf(DEFAULT_KUBERNETES_VERSION);
  const byDefault = releaseOf(DEFAULT_KUBERNETES_VERSION);
  const versions: string[] = [];
  for (let minor = KNOWN_MINORS.first; minor <= KNOWN_MINORS.last; minor++) {
    versions.push(versionOf(chosen.minor === minor ? chosen : byDefault.minor === minor ? byDefault : {minor, patch: 0}));
  }
  // A chosen release newer than every known minor stays a choice.
  if (chosen.minor > KNOWN_MINORS.last) versions.push(versionOf(chosen));
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

export const KUBELET_API_ADMIN_BINDING = 'ClusterRoleBinding kubeadm:apiserver-kubelet-client';

/** What the files look like for this layout and release. */
export function releaseFacts(layout: Layout, release: Release): ReleaseFact[] {
  const facts: ReleaseFact[] = [];
  for (const id of VERSIONED) {
    if (LAYOUT_FILES[layout].certificates[id] === null) continue;
    const topic = topicOf(layout, id);
    const kind = CERTIFICATES.find(c => c.id === id)!;
    if ((kind.since ?? 0) > release.minor) {
      facts.push({topic, value: `none (from v1.${kind.since})`});
      continue;
    }
    const groups = forContext(kind.organizations, {layout, release});
    facts.push({topic, value: groups.length > 0 ? `O=${groups.join(',')}`
      : id === 'apiserver-kubelet-client' ? `no O (kubeadm binds its user to system:kubelet-api-admin: ${KUBELET_API_ADMIN_BINDING})` : 'no O'});
  }
  if (layout === 'kubeadm') {
    facts.push({topic: 'kubeadm configuration', value: kubeadmApiVersion(release)});
    facts.push({topic: 'kubelet.conf on control-plane nodes', value: controlPlaneKubeletLocal(release) ? 'dials its own apiserver' : 'dials the endpoint'});
  }
  return facts;
}

/** The facts of `to` that differ from those of `from` (none without a release to compare with). */
export function releaseChanges(layout: Layout, from: Release | undefined, to: Release): ReleaseFact[] {
  if (!from) return [];
  const before = new Map(releaseFacts(layout, from).map(f => [f.topic, f.value]));
  return releaseFacts(layout, to).filter(f => before.get(f.topic) !== f.value);
}

/** Said wherever the release is shown when kubepki has not read that minor's kubeadm. */
export function newerReleaseWarning(version: string): string | undefined {
  const release = releaseOf(version);
  if (!isNewerThanKnown(release)) return undefined;
  return `kubernetesVersion ${version} is newer than the releases kubepki knows (v1.${KNOWN_MINORS.first} to v1.${KNOWN_MINORS.last}): it gets v1.${KNOWN_MINORS.last}'s identities. Check that release's kubeadm changelog for changes to certificates or their RBAC.`;
}
