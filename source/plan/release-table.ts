// What kubeadm writes changes with the release, sometimes in a patch release: the table of each
// change, the first release of each minor that has it, and where that was read in kubeadm's source
// (the k8s.io/kubernetes module at that version). Pure data; the catalog and releases.ts read it.
import {KNOWN_MINORS} from '../spec/types.js';

/** A Kubernetes release to the patch: v1.35.5 → {minor: 35, patch: 5}. */
export interface Release {
  minor: number;
  patch: number;
}

/** The release of a validated `kubernetesVersion`. */
export function releaseOf(version: string): Release {
  const match = /^v1\.(\d+)\.(\d+)$/.exec(version);
  if (!match) throw new Error(`releaseOf needs a validated version, not ${version}`);
  return {minor: Number(match[1]), patch: Number(match[2])};
}

export const versionOf = (release: Release) => `v1.${release.minor}.${release.patch}`;

/** Newer than every minor kubepki has read: it gets the newest behaviour known, with a warning. */
export const isNewerThanKnown = (release: Release) => release.minor > KNOWN_MINORS.last;

export interface ReleaseChange {
  id: 'cluster-admins-group' | 'super-admin' | 'kubeadm-v1beta4' | 'control-plane-kubelet-local' | 'kubelet-api-admin';
  what: string;
  /** Every release of this minor and later has it. */
  fromMinor: number;
  /** Earlier minors that got it in a patch release (a cherry-pick): minor → first patch that has it. */
  firstPatch: Readonly<Record<number, number>>;
  /** Where it was read: version, file and line in k8s.io/kubernetes. */
  readAt: string[];
}

const KUBEADM = 'cmd/kubeadm/app';

export const RELEASE_CHANGES: readonly ReleaseChange[] = [
  {
    id: 'cluster-admins-group', fromMinor: 29, firstPatch: {},
    what: 'admin.conf (and apiserver-kubelet-client) in group kubeadm:cluster-admins, bound to cluster-admin, instead of system:masters',
    readAt: [`v1.37.2 ${KUBEADM}/phases/kubeconfig/kubeconfig.go:486`, `v1.33.11 ${KUBEADM}/phases/certs/certlist.go:313`],
  },
  {
    id: 'super-admin', fromMinor: 29, firstPatch: {},
    what: 'super-admin.conf (system:masters), written by kubeadm init only',
    readAt: [`v1.37.2 ${KUBEADM}/phases/kubeconfig/kubeconfig.go:495`],
  },
  {
    id: 'kubeadm-v1beta4', fromMinor: 31, firstPatch: {},
    what: 'kubeadm configuration kubeadm.k8s.io/v1beta4',
    readAt: ['a minor-level change older than the releases read for this table'],
  },
  {
    id: 'control-plane-kubelet-local', fromMinor: 33, firstPatch: {},
    what: 'kubelet.conf on a control-plane node dials its own apiserver (ControlPlaneKubeletLocalMode)',
    readAt: [`v1.33.6 ${KUBEADM}/features/features.go:57 (beta, on by default)`, `v1.35.4 ${KUBEADM}/features/features.go:61 (GA, locked on)`],
  },
  {
    // kubernetes/kubernetes#138957, cherry-picked to release-1.33 … 1.36 (#138964, #138960,
    // #138959, #138958): KubeadmCertKubeletClient loses its Organization, and the init and
    // upgrade-apply bootstrap-token phases call AllowAPIServerToAccessKubeletAPI.
    id: 'kubelet-api-admin', fromMinor: 37, firstPatch: {33: 12, 34: 8, 35: 5, 36: 1},
    what: 'apiserver-kubelet-client has no O: kubeadm binds its user to system:kubelet-api-admin (ClusterRoleBinding kubeadm:apiserver-kubelet-client)',
    readAt: [
      `v1.33.11 ${KUBEADM}/phases/certs/certlist.go:313 (O=kubeadm:cluster-admins) → v1.33.12 certlist.go:313 (no O), constants/constants.go:214, cmd/phases/init/bootstraptoken.go:113, cmd/phases/upgrade/apply/bootstraptoken.go:84`,
      `v1.34.7 certlist.go:312 (O) → v1.34.8 certlist.go:312 (no O), constants.go:214, init/bootstraptoken.go:112, upgrade/apply/bootstraptoken.go:83`,
      `v1.35.4 certlist.go:312 (O) → v1.35.5 certlist.go:312 (no O), constants.go:214, init/bootstraptoken.go:112, upgrade/apply/bootstraptoken.go:83`,
      `v1.36.0 certlist.go:312 (O) → v1.36.1 certlist.go:312 (no O), constants.go:214, phases/bootstraptoken/node/tlsbootstrap.go:135`,
      `v1.37.0, v1.37.2 certlist.go:312 (no O), init/bootstraptoken.go:112`,
    ],
  },
];

export const releaseChange = (id: ReleaseChange['id']) => RELEASE_CHANGES.find(c => c.id === id)!;

/** Whether a release has the change: from its minor on, or from the minor's first patch that got it. */
export function hasChange(id: ReleaseChange['id'], release: Release): boolean {
  const change = releaseChange(id);
  if (release.minor >= change.fromMinor) return true;
  const first = change.firstPatch[release.minor];
  return first !== undefined && release.patch >= first;
}

/** The first release that has the change, per minor from KNOWN_MINORS.first on ("v1.33.12"), for tables and tests. */
export function firstReleasesWith(id: ReleaseChange['id']): Release[] {
  const change = releaseChange(id);
  const releases: Release[] = [];
  for (let minor = KNOWN_MINORS.first; minor <= KNOWN_MINORS.last; minor++) {
    if (minor >= change.fromMinor) releases.push({minor, patch: 0});
    else if (change.firstPatch[minor] !== undefined) releases.push({minor, patch: change.firstPatch[minor]!});
  }
  return releases;
}
