// The names every stage shares: where a node's files live in OUT, and how a planned certificate
// is named. Computed here once; the writer, manifest, scripts and screens read them from the plan.

/** Master-copy folder of a node's own files; node names are DNS labels, so they cannot clash. */
export const nodeDir = (node: string) => `pki/nodes/${node}`;

/** A node's bundle in OUT: the files it receives, at the absolute paths they install to. */
export const bundleDir = (node: string) => `nodes/${node}`;

/** OUT-relative path of the copy of a file that `node` installs at absolute `target`. */
export const bundlePath = (node: string, target: string) => `${bundleDir(node)}${target}`;

/**
 * A planned certificate's or kubeconfig's stable name: its id, with the node for per-node ones
 * (`apiserver`, `kubelet-client/worker1`; the kubeconfig `kubelet/worker1`). Ids hold no `/` and
 * node names are DNS labels, so a ref is unique among a plan's certificates (and among its
 * kubeconfigs) and names the same thing from one run to the next.
 */
export const planRef = (id: string, node: string | null) => (node ? `${id}/${node}` : id);

/** The trust map generate writes beside the scripts (kubepki map draws the same). */
export const TRUST_MAP_FILE = 'trust-map.svg';
