// The steps for trust kubepki did not write, in a CA rotation's start (the bundle, old + new) and
// finish (the new CA alone): copies of the CA that live in the cluster or on nodes kubepki gave
// no file for. Printed by the phase and written as OUT/rotate-steps.sh — apart from restart.sh,
// which every build renders from the readers table and which only restarts components over ssh:
// these steps call the cluster's API with kubectl (as a cluster admin, from where OUT is) and patch
// files kubeadm made, once, in this phase; a renew's restart.sh must never run them again.
//
// - kubelet.conf of each node whose kubelet joined by TLS bootstrap (kubeadm join): it embeds the
//   cluster CA, and a worker's /etc/kubernetes/pki/ca.crt (the kubelet's clientCAFile) is
//   kubeadm's too: both get the bundle, then the kubelet restarts (with its health check).
// - kube-public/cluster-info (kubeadm): what `kubeadm join` checks the endpoint with.
// - caBundles the operator names (--ca-bundle KIND/NAME): webhooks, APIServices, CRD conversion.
// - Pods: the controller-manager publishes --root-ca-file into every namespace's kube-root-ca.crt
//   and into token Secrets; the steps check it did, then restart the workloads (before issue).
// - issue: a kubelet that joined by TLS bootstrap holds a client certificate the cluster signed
//   (/var/lib/kubelet/pki/kubelet-client-current.pem, with the old CA): refused after finish.
//   The kubelet bootstraps again when kubelet.conf's certificate cannot be loaded
//   (pkg/kubelet/certificate/bootstrap LoadClientCert: isClientConfigStillValid), with
//   --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf (kubeadm's drop-in; kubeadm join
//   deleted the file). The steps write that file from kubelet.conf with the node's current
//   certificate embedded (still trusted in issue: the CSR comes from system:node:NAME, which the
//   controller-manager's csrapproving controller approves as selfnodeclient, kubeadm's
//   kubeadm:node-autoapprove-certificate-rotation binding), move the old certificate aside, restart
//   the kubelet, and wait until its new certificate verifies against the new CA alone.
// - abort after issue (back to start): those kubelets hold a certificate of the new CA, refused
//   once a second abort makes trust the old CA alone: the same steps, with the old CA signing.
import type {Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {runsKubelet} from '../spec/types.js';
import {restartCommands} from './restart-script.js';
import {shellQuote} from './shell.js';

/** A caBundle the operator names, as --ca-bundle KIND/NAME gives it. */
export interface CaBundleRef {
  kind: CaBundleKind;
  name: string;
}

export type CaBundleKind = 'validatingwebhookconfiguration' | 'mutatingwebhookconfiguration' | 'apiservice' | 'customresourcedefinition';

/** What the option accepts for each kind (kubectl's names, plural and short forms). */
const KIND_NAMES: Record<string, CaBundleKind> = {
  validatingwebhookconfiguration: 'validatingwebhookconfiguration', validatingwebhookconfigurations: 'validatingwebhookconfiguration',
  mutatingwebhookconfiguration: 'mutatingwebhookconfiguration', mutatingwebhookconfigurations: 'mutatingwebhookconfiguration',
  apiservice: 'apiservice', apiservices: 'apiservice',
  crd: 'customresourcedefinition', crds: 'customresourcedefinition', customresourcedefinition: 'customresourcedefinition', customresourcedefinitions: 'customresourcedefinition',
};

/** These objects are cluster-scoped; their names are DNS subdomains (an APIService's: v1beta1.metrics.k8s.io). */
const OBJECT_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** --ca-bundle KIND/NAME, each checked; a bad one is an InputError naming the option and what it accepts. */
export function parseCaBundles(values: readonly string[]): CaBundleRef[] {
  const problems: string[] = [];
  const refs: CaBundleRef[] = [];
  for (const value of values) {
    const [kind, name, ...rest] = value.split('/');
    const known = KIND_NAMES[kind?.toLowerCase() ?? ''];
    if (!known || name === undefined || rest.length || !OBJECT_NAME.test(name)) {
      problems.push(`--ca-bundle: ${JSON.stringify(value)} is not KIND/NAME with KIND one of validatingwebhookconfiguration, mutatingwebhookconfiguration, apiservice, crd and NAME the object's name`);
      continue;
    }
    if (!refs.some(r => r.kind === known && r.name === name)) refs.push({kind: known, name});
  }
  if (problems.length) throw new InputError(problems);
  return refs;
}

/**
 * The commands that put `$data` (the base64 of the trust) into one object's caBundle: a webhook
 * configuration holds one per webhook (each is set; JSON patch `add` also sets one that is absent).
 */
export function caBundleCommands(ref: CaBundleRef): string[] {
  const object = `${ref.kind} ${ref.name}`;
  switch (ref.kind) {
    case 'validatingwebhookconfiguration':
    case 'mutatingwebhookconfiguration':
      return [
        `n=$(kubectl get ${object} -o go-template='{{len .webhooks}}')`,
        `for i in $(seq 0 $((n - 1))); do kubectl patch ${object} --type=json -p "[{\\"op\\":\\"add\\",\\"path\\":\\"/webhooks/$i/clientConfig/caBundle\\",\\"value\\":\\"$data\\"}]"; done`,
      ];
    case 'apiservice':
      return [`kubectl patch ${object} --type=merge -p "{\\"spec\\":{\\"caBundle\\":\\"$data\\"}}"`];
    case 'customresourcedefinition':
      return [`kubectl patch ${object} --type=merge -p "{\\"spec\\":{\\"conversion\\":{\\"webhook\\":{\\"clientConfig\\":{\\"caBundle\\":\\"$data\\"}}}}}"`];
  }
}

/** What the trust of a kubeconfig line becomes: sed on `certificate-authority-data:` (YAML or inside a JSON string), keeping what precedes it. */
const caDataSed = (value: string) => `sed "s#\\(certificate-authority-data: *\\)[A-Za-z0-9+/=]*#\\1${value}#"`;

/**
 * On a node whose kubelet joined by TLS bootstrap: (a worker) its clientCAFile becomes the trust
 * read from stdin, and kubelet.conf's certificate-authority-data that file's. With `clientCert`
 * (trust narrowed to one CA: finish, abort), first the kubelet's client certificate must verify
 * against that trust, else the apiservers refuse the kubelet: the step stops, naming the steps that
 * had it signed anew, and leaves the node's files as they were. Paths as arguments: the test runs
 * it on files of its own.
 */
export function kubeletConfPatch(paths: {caFile: string; kubeletConf: string; clientCert?: string}, installCa: boolean): string {
  const trust = installCa ? `${paths.caFile}.kubepki` : paths.caFile;
  return [
    'set -e',
    'umask 077',
    ...(installCa ? [`cat > ${trust}`, `chmod 644 ${trust}`] : []),
    ...(paths.clientCert ? [`openssl verify -CAfile ${trust} ${paths.clientCert} >/dev/null 2>&1 || { ${installCa ? `rm -f ${trust}; ` : ''}echo "${paths.clientCert} is not signed by the CA the trust becomes: the apiservers refuse this kubelet. Run the steps that had it signed anew first (issue's rotate-steps.sh; after an abort from issue, that abort's); kubelet.conf left as it was" >&2; exit 1; }`] : []),
    ...(installCa ? [`mv ${trust} ${paths.caFile}`] : []),
    `data=$(base64 -w0 < ${paths.caFile})`,
    // A kubelet.conf naming a CA file (certificate-authority:) reads that file instead: nothing to patch, and saying so beats a silent no-op.
    `grep -q '^ *certificate-authority-data:' ${paths.kubeletConf} || { echo "${paths.kubeletConf} embeds no certificate-authority-data: give the file it names the trust" >&2; exit 1; }`,
    `${caDataSed('$data')} ${paths.kubeletConf} > ${paths.kubeletConf}.kubepki`,
    `chmod 600 ${paths.kubeletConf}.kubepki`,
    `mv ${paths.kubeletConf}.kubepki ${paths.kubeletConf}`,
  ].join('; ');
}

export const KUBEADM_CA = '/etc/kubernetes/pki/ca.crt';
export const KUBEADM_KUBELET_CONF = '/etc/kubernetes/kubelet.conf';

/** Restarting every Deployment, DaemonSet and StatefulSet, namespace by namespace, each waited for (the kubeadm task page's step). */
export const workloadRestart = [
  'for ns in $(kubectl get namespaces -o jsonpath=\'{.items[*].metadata.name}\'); do',
  '  for object in $(kubectl -n "$ns" get deployments,daemonsets,statefulsets -o name); do',
  '    kubectl -n "$ns" rollout restart "$object" && kubectl -n "$ns" rollout status "$object" --timeout=10m',
  '  done',
  'done',
];

export interface OutsideSection {
  title: string;
  lines: string[];
}

export interface OutsideTrust {
  /** `back`: abort after issue, back to start (the old CA signs again); `abort`: from start to the old CA alone. */
  phase: 'start' | 'issue' | 'back' | 'finish' | 'abort';
  /** The rotated authority; kubelet.conf, cluster-info and the pods' copies are the cluster CA's. */
  authority: string;
  /** OUT-relative: the authority's certificate file, which holds the trust of this phase (issue: the new CA alone, what the kubelets' new certificates must chain to; abort: the old CA alone). */
  file: string;
  caBundles: readonly CaBundleRef[];
}

export const KUBELET_PKI = '/var/lib/kubelet/pki';
export const KUBEADM_BOOTSTRAP_KUBELET_CONF = '/etc/kubernetes/bootstrap-kubelet.conf';

/** kubeadm layout: the nodes whose kubelet joined by TLS bootstrap (a kubelet, and no kubelet kubeconfig from kubepki): kubeadm wrote their kubelet.conf, the cluster signed their client certificate. */
export function bootstrappedKubelets(plan: Plan): string[] {
  if (plan.layout !== 'kubeadm') return [];
  const ownKubeconfig = new Set(plan.kubeconfigs.filter(k => k.id === 'kubelet').flatMap(k => k.installs.map(i => i.node)));
  return plan.nodes.filter(runsKubelet).filter(n => !ownKubeconfig.has(n.name)).map(n => n.name);
}

/**
 * On a bootstrapped node: its kubelet's client certificate signed anew by the cluster, the new CA
 * (read from stdin) the one it must verify against. Paths as arguments: the test runs it on files of its own.
 */
export function kubeletClientRenewal(paths: {pki: string; kubeletConf: string; bootstrapConf: string; newCa: string}, restart: string[], waitSeconds = 120, signer: 'new' | 'old' = 'new'): string {
  const current = `${paths.pki}/kubelet-client-current.pem`;
  const verified = `openssl verify -CAfile ${paths.newCa} ${current} >/dev/null 2>&1`;
  return [
    'set -e',
    // The bootstrap kubeconfig embeds the node's private key: created 0600, never readable in between.
    'umask 077',
    `cat > ${paths.newCa}`,
    `grep -q '^ *client-certificate: ' ${paths.kubeletConf} || { echo "${paths.kubeletConf} names no client-certificate file: not a kubelet that bootstrapped" >&2; exit 1; }`,
    `pem=$(readlink -f ${current})`,
    `data=$(base64 -w0 < "$pem")`,
    // The bootstrap kubeconfig: kubelet.conf's cluster (its trust is old + new in issue), the node's own certificate and key embedded.
    `sed -e "s#^\\( *\\)client-certificate: .*#\\1client-certificate-data: $data#" -e "s#^\\( *\\)client-key: .*#\\1client-key-data: $data#" ${paths.kubeletConf} > ${paths.bootstrapConf}`,
    `chmod 600 ${paths.bootstrapConf}`,
    // Without its certificate kubelet.conf is no longer valid: the kubelet sends a new CSR with the bootstrap kubeconfig.
    `mv "$pem" "$pem.old-ca"`,
    `rm -f ${current}`,
    ...restart,
    `i=0; until ${verified}; do i=$((i + 2)); [ $i -le ${waitSeconds} ] || { echo "${current}: no certificate of the ${signer} CA after ${waitSeconds} s (kubectl get csr: approved? the controller-manager signs with the new CA?)" >&2; exit 1; }; sleep 2; done`,
    `rm -f ${paths.bootstrapConf} ${paths.newCa}`,
  ].join('; ');
}

/** The sections of the steps; empty when this rotation has no trust outside kubepki's files. */
export function outsideTrustSections(plan: Plan, root: string, trust: OutsideTrust): OutsideSection[] {
  const cluster = trust.authority === 'ca';
  const what = trust.phase === 'start' ? 'the bundle (old + new)' : trust.phase === 'abort' ? 'the old CA alone again' : 'the new CA alone';
  const sections: OutsideSection[] = [];
  const {user, sudo} = plan.spec.ssh;
  const remote = (node: string, script: string, stdin?: string) =>
    `ssh ${user}@${node} ${shellQuote(sudo ? `sudo sh -c ${shellQuote(script)}` : script)}${stdin ? ` < ${root}/${stdin}` : ''}`;
  const bootstrapped = cluster ? bootstrappedKubelets(plan) : [];
  if (trust.phase === 'issue' || trust.phase === 'back') {
    // issue: from the old CA to the new; back (abort after issue): from the new CA to the old again.
    const [from, to, after] = trust.phase === 'issue' ? ['old', 'new', 'finish'] as const : ['new', 'old', 'a second abort'] as const;
    if (bootstrapped.length) {
      sections.push({
        title: `The client certificates of the kubelets that joined by TLS bootstrap (${KUBELET_PKI}/kubelet-client-current.pem, signed by the ${from} CA: refused after ${after}): on each node the kubelet asks for a new one with its current certificate (still trusted), the controller-manager's csrapproving controller approves it and the ${to} CA signs it; the step waits until it verifies against the ${to} CA alone. One node after another, after this phase's restarts (the controller-manager must sign with the ${to} CA)`,
        lines: bootstrapped.map(node => {
          const restart = restartCommands(plan, {node, component: 'kubelet', because: []}, false);
          return remote(node, kubeletClientRenewal({pki: KUBELET_PKI, kubeletConf: KUBEADM_KUBELET_CONF, bootstrapConf: KUBEADM_BOOTSTRAP_KUBELET_CONF, newCa: `${KUBELET_PKI}/kubepki-new-ca.crt`}, restart, undefined, to), trust.file);
        }),
      });
    }
    return sections;
  }
  if (cluster && plan.layout === 'kubeadm') {
    if (bootstrapped.length) {
      const caInstalls = new Set(plan.authorities.find(a => a.id === 'ca')!.certInstalls.filter(i => i.path === KUBEADM_CA).map(i => i.node));
      sections.push({
        title: `kubelet.conf of the nodes that joined by TLS bootstrap (kubeadm wrote it; it embeds the cluster CA): ${what}; a worker's ${KUBEADM_CA} (the kubelet's clientCAFile, also kubeadm's) too; then the kubelet restarts, one node after another, each checked`,
        lines: bootstrapped.map(node => {
          const installCa = !caInstalls.has(node);
          const restart = restartCommands(plan, {node, component: 'kubelet', because: []}, false);
          // Trust narrowed to one CA (finish, abort): the kubelet's client certificate must be of it.
          const clientCert = trust.phase === 'start' ? undefined : `${KUBELET_PKI}/kubelet-client-current.pem`;
          return remote(node, `${kubeletConfPatch({caFile: KUBEADM_CA, kubeletConf: KUBEADM_KUBELET_CONF, clientCert}, installCa)}; ${restart.join('; ')}`, installCa ? trust.file : undefined);
        }),
      });
    }
    sections.push({
      title: `kube-public/cluster-info, what kubeadm join checks the endpoint with: its kubeconfig's certificate-authority-data becomes ${what} (replace carries the resourceVersion read: a change in between is refused, not overwritten; the controller-manager signs it again for each bootstrap token)`,
      lines: [`kubectl -n kube-public get configmap cluster-info -o json | ${caDataSed('$data')} | kubectl replace -f -`],
    });
  }
  if (trust.caBundles.length) {
    sections.push({
      title: `caBundles named with --ca-bundle: ${what} (a caBundle a controller injects, such as cert-manager's cainjector, comes back unless its source changes too)`,
      lines: trust.caBundles.flatMap(caBundleCommands),
    });
  }
  if (cluster && trust.phase === 'start') {
    sections.push({
      title: 'Pods that read the cluster CA from the kube-root-ca.crt ConfigMap or a token Secret: once the controller-manager restarted above (its --root-ca-file is the bundle), it publishes the bundle into every namespace. Check that it did (no line printed), then restart the workloads so every pod trusts the new CA before issue',
      lines: [
        `for ns in $(kubectl get namespaces -o jsonpath='{.items[*].metadata.name}'); do [ "$(kubectl -n "$ns" get configmap kube-root-ca.crt -o jsonpath='{.data.ca\\.crt}' | grep -c 'BEGIN CERTIFICATE')" = 2 ] || echo "$ns: kube-root-ca.crt is not the bundle yet"; done`,
        `kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token -o jsonpath='{range .items[*]}{.metadata.namespace}{"/"}{.metadata.name}{" "}{.data.ca\\.crt}{"\\n"}{end}' | while read -r secret ca; do [ "$(printf %s "$ca" | base64 -d | grep -c 'BEGIN CERTIFICATE')" = 2 ] || echo "$secret: ca.crt is not the bundle yet"; done`,
        ...workloadRestart,
      ],
    });
  }
  return sections;
}

/** The line that reads the trust from OUT (`root`: OUT as the shell writes it) into $data, base64 on one line, for the commands after it. */
// On the admin's machine, which may be a Mac (its base64 has no -w0): newlines removed by tr.
const dataLine = (root: string, file: string) => `data=$(base64 < ${root}/${file} | tr -d '\\n')`;

/** The steps as printed by the phase. */
export function outsideTrustLines(plan: Plan, out: string, trust: OutsideTrust): string[] {
  const root = shellQuote(out);
  const sections = outsideTrustSections(plan, root, trust);
  if (sections.length === 0) return [];
  return [
    `# Then the trust kubepki did not write (bash ${root}/${ROTATE_STEPS_FILE} runs these; kubectl as a cluster admin):`,
    dataLine(root, trust.file),
    ...sections.flatMap((s, i) => [`## ${i + 1}. ${s.title}`, ...s.lines]),
  ];
}

export const ROTATE_STEPS_FILE = 'rotate-steps.sh';

/** OUT/rotate-steps.sh: the same steps, stopping at the first that fails. */
export function renderRotateSteps(plan: Plan, trust: OutsideTrust): string {
  const root = '"$here"';
  const sections = outsideTrustSections(plan, root, trust);
  return `#!/usr/bin/env bash
# Generated by kubepki for the ${trust.phase === 'back' ? 'abort after issue (back to start)' : trust.phase === 'abort' ? 'abort (back to the old CA alone)' : trust.phase} of the rotation of ${trust.authority} in cluster ${plan.cluster}:
# the trust kubepki did not write. Run after distribute.sh and restart.sh, as a cluster admin
# (kubectl's current context is the cluster). Stops at the first step that fails.
set -euo pipefail
here=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)
${dataLine(root, trust.file)}
${sections.length ? sections.map((s, i) => `# ${i + 1}. ${s.title}\n${s.lines.join('\n')}`).join('\n') : 'echo "rotate-steps.sh: no trust outside the files kubepki wrote"'}
`;
}
