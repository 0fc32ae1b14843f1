// What each step teaches, as plain text: the Ink wizard and the plain prompts say the same.
import {firstServiceIp, parseCidr} from '../spec/net.js';

export const clusterLesson =
  'Everything outside the cluster reaches the apiserver through this endpoint, so it goes into the apiserver certificate as a SAN: a client dialling a name the certificate lacks fails with "x509: certificate is valid for X, not Y".';

export const nodesLesson =
  'Each node that runs a kubelet gets a client certificate with CN system:node:<name> and O system:nodes: the Node authorizer only accepts that form and lets a kubelet touch only its own Node, so the name must be the one the kubelet registers with. Only control-plane nodes receive CA keys.';

export const networkLesson =
  'Pods reach the apiserver through the `kubernetes` Service, whose ClusterIP is the first address of the service CIDR: that IP and the Service\'s DNS names (kubernetes.default.svc.<domain>) must be in the apiserver certificate.';

export const authoritiesLesson =
  'A CA signs certificates; whoever trusts it accepts them. Separate CAs for etcd and the front proxy mean a certificate from the cluster CA cannot open etcd or pose as the front proxy.';

export const keysLesson =
  'RSA-2048 is kubeadm\'s default and what every tool expects; ECDSA P-256 keys are smaller and made a thousand times faster, and every Kubernetes component accepts them, but a few old clients still expect RSA. CAs live long (10 years by default); leaf certificates expire sooner (1 year) and are renewed with the same CA.';

export const layoutLesson =
  'Where files go on each node. kubeadm: its own names, so `kubeadm init` uses them as pre-made certificates. hard-way: Kubernetes The Hard Way\'s names, with a systemd unit for each component on each node.';

export const outputLesson =
  'Everything is written here: pki/ is the master copy with the CA keys (back it up, keep it off the nodes), nodes/<node>/ is what each node receives. distribute.sh copies the bundles over ssh as this user.';

/** monitoring.expiry: what answering yes installs (the question's hint, in both front ends). */
export const expiryMonitoringLesson =
  'Each node gets a daily check (a systemd service + timer) that writes its certificates\' expiry as node_exporter metrics, and OUT/monitoring/ a PrometheusRule that alerts 30 and 7 days ahead.';

export const planLesson =
  'Every certificate kubepki will make. Nothing is written until you press g.';

/** Shown live as the service CIDR is typed. */
export function serviceIpPreview(cidr: string): string {
  const parsed = parseCidr(cidr.trim());
  return parsed.ok ? `service IP ${firstServiceIp(parsed.cidr)}: a SAN of the apiserver certificate` : '';
}

export const releaseLesson =
  'Some identities kubeadm writes change from one release to the next: each release below says what it changes (nothing, in the hard-way layout), and what your files get with it. With kubeadm, pick the release your nodes run: kubeadm accepts only its own minor release and the one before.';

/** How the files reach the nodes in each of kubeadm's two flows with pre-made certificates. */
export const flowLessons: Record<'shared-ca' | 'external-ca', string> = {
  'shared-ca': 'kubeadm\'s default: the CA keys go to the control-plane nodes (the first runs `kubeadm init`, the others join with --control-plane); workers get no CA file and join with a bootstrap token and --discovery-token-ca-cert-hash, printed for you. The controller-manager signs kubelet and user CSRs with ca.key.',
  'external-ca': 'kubeadm\'s external CA mode: ca.key never leaves this machine, so every node gets pre-made certificates and kubeconfigs, kubelet.conf included. Nothing in the cluster can sign: kubelet and user CSRs stay unsigned, and renewal is done here with kubepki.',
};

export const hardWayLayoutLesson =
  'Kubernetes The Hard Way\'s names and paths (/var/lib/kubernetes, /var/lib/kubelet), with the systemd units that start each component (binaries in /usr/local/bin); no kubeadm.';

export const hardWaySingleLesson =
  'The Hard Way uses one CA (CN=CA) for everything: its units read a single ca.crt, so single is proposed for the hard-way layout.';
