// `kubepki COMMAND --help`: each command's own usage, flags and an example. cli.tsx imports this
// without the engine, so help answers at once; the overview of every command stays in cli.tsx.

const EXIT_CODES = 'Exit codes: 0 done, 1 failed, 2 bad usage or input, or OUT busy (nothing written).';

const COMMAND_HELP: Record<string, string> = {
  example: `Usage: kubepki example

Prints an example cluster description (YAML) to start from: nodes, endpoint, CA topology, key
type, validity and layout, with comments on the choices.

Example:
  kubepki example > cluster.yaml
`,
  plan: `Usage: kubepki plan --config FILE [--json]

Prints every certificate the config makes (CN, O, signer, usages, SANs, files, who gets it) and
the warnings about the config; writes nothing.

Flags:
  -c, --config FILE   the cluster description (YAML or JSON; kubepki example prints one)
      --json          the plan as JSON, for other tools

Example:
  kubepki plan --config cluster.yaml
`,
  generate: `Usage: kubepki generate --config FILE --out DIR [--force | --update] [--verbose]

Writes keys, certificates, kubeconfigs, one bundle per node, verify.sh and distribute.sh into
DIR (written beside it and renamed in at the end: an interrupted run leaves nothing).

Flags:
  -c, --config FILE   the cluster description (kubepki example prints one)
  -o, --out DIR       the directory to write; must be absent or empty unless --force or --update
  -f, --force         write over DIR: every leaf issued again, DIR's CAs kept
      --update        apply an edited config to DIR: unchanged files kept byte-identical,
                      new or changed ones issued from DIR's CAs, removed nodes' files removed
      --verbose       print every check and every node's commands

Examples:
  kubepki generate --config cluster.yaml --out pki-out
  kubepki generate --config pki-out/cluster.yaml --out pki-out --update

${EXIT_CODES}
`,
  verify: `Usage: kubepki verify DIR [--expiring-within 30d] [--json]

Checks a directory kubepki generate wrote against its manifest: chains, key pairs, usages,
SANs, subjects, kubeconfigs, users, expiry and file modes. Exit 1 when a check fails.

Flags:
      --expiring-within D   warn about certificates that end within D (default 30d; or 720h)
      --json                every check as JSON, with its file and days left (for CI jobs)

Example:
  kubepki verify pki-out --expiring-within 60d
`,
  renew: `Usage: kubepki renew DIR [ID|NODE|FILE|all...] [--expiring-within 30d] [--new-keys]

Issues certificates again from DIR's CAs with a fresh validity (the CAs themselves are not
renewed); the kubeconfigs holding them are rewritten. Without names: those ending within
--expiring-within. Names: certificate ids (apiserver), nodes (worker1: all of its
certificates), file names (kube-api-server.crt), or all. A name that is both a node and a
certificate (a node called apiserver) is refused: write node:NAME or cert:NAME. renew refuses
while DIR/cluster.yaml has edits not yet applied (apply them with generate --update first).

Flags:
      --expiring-within D   without names: renew what ends within D (default 30d)
      --new-keys            new key pairs too (default: keys kept)

Examples:
  kubepki renew pki-out apiserver worker1
  kubepki renew pki-out --expiring-within 60d

${EXIT_CODES}
`,
  inspect: `Usage: kubepki inspect PATH... [--config FILE] [--json]

Reads any PKI — kubeadm's /etc/kubernetes/pki, The Hard Way's files, openssl or cfssl folders —
and names each file's role and its problems. Writes nothing. Exit 1 when problems were found.

Flags:
  -c, --config FILE   the cluster description: also say what it expects and what is missing
      --json          the report as JSON

Example:
  kubepki inspect /etc/kubernetes/pki --config cluster.yaml
`,
  rotate: `Usage: kubepki rotate DIR start AUTHORITY [--key-type TYPE] [--ca-bundle KIND/NAME...] [--csr | --certificate FILE] | issue [--new-keys] | finish | status [--json] | abort

Replaces a CA, or the service-account key pair, in three phases, each a complete tree that
verify accepts, each printing (and writing to DIR/restart.sh) what to distribute and restart
before the next:
  start   a new CA (the old one's key type unless --key-type); every trust file of AUTHORITY,
          on every node and in every kubeconfig, becomes old + new; every leaf kept
          byte-identical
  issue   the new CA signs: every leaf of AUTHORITY issued anew (same names and SANs, keys
          kept unless --new-keys), users signed here too; the CA key becomes the new one
  finish  trust is the new CA alone; the old CA's certificate and key move to DIR/retired/
A CA's phases also print the steps for the trust kubepki did not write (bootstrapped kubelets'
kubelet.conf and client certificates, kube-public/cluster-info, the caBundles named, the pods),
written to DIR/rotate-steps.sh. The service-account pair: start (the apiservers accept a new key
beside the old), issue (the new key signs), finish (the new pair alone; the old one to
DIR/retired/). status says where DIR stands. abort (before finish) goes one phase back: from
start to the old CA (or pair) alone, every file as it was before start; from issue to start (the
old CA signs again and re-issues every leaf, trust stays old + new, so nodes that still present a
leaf of the new CA are accepted while they take the files; for the pair: the old key signs, the
new one stays accepted), then a second abort, once every node has those files, to the old alone.

A CA whose key DIR does not hold (external, as kubeadm's external-CA mode has it), or any CA you
want signed by your own root: start --csr writes the new CA's key (0600) and a request for it to
DIR/pki/rotation/, prints the openssl command your root's holder runs, and changes nothing else
(status: waiting for the certificate; abort drops it); start --certificate FILE checks the
certificate issued for it and starts the rotation with it. The cluster trusts that certificate
itself, never the root (verify.sh runs openssl verify with -partial_chain; by hand, add it too).
An external old CA signs nothing here: after issue, abort is refused (finish instead).

Arguments:
  AUTHORITY     ca, etcd-ca or front-proxy-ca (as manifest.json names them), or service-account

Flags:
      --ca-bundle KIND/NAME   a caBundle in the cluster that trusts the CA (repeat): KIND is
                              validatingwebhookconfiguration, mutatingwebhookconfiguration,
                              apiservice or crd; the steps patch it with the bundle
      --csr                   start: the new CA's key and certification request, for your
                              root CA to sign as an intermediate; nothing else written
      --certificate FILE      start: the certificate your root issued for that request (its
                              issuer chain may follow it in FILE); checked, then the start
      --key-type TYPE         start (or --csr): the new CA's key type (a CA only), one of rsa-2048,
                              rsa-3072, rsa-4096, ecdsa-p256, ecdsa-p384 (default: the old one's)
      --new-keys              issue: new key pairs for the re-issued leaves
      --allow-outage          rotate a cluster with a single apiserver (each phase's restart
                              is an outage)
      --json                  status as JSON

Examples:
  kubepki rotate pki-out start etcd-ca
  kubepki rotate pki-out start ca --key-type ecdsa-p256
  kubepki rotate pki-out start ca --ca-bundle apiservice/v1beta1.metrics.k8s.io
  kubepki rotate pki-out start ca --csr
  kubepki rotate pki-out start ca --certificate ca-new.crt
  kubepki rotate pki-out start service-account
  kubepki rotate pki-out issue
  kubepki rotate pki-out finish
  kubepki rotate pki-out status --json

${EXIT_CODES}
`,
  map: `Usage: kubepki map (--config FILE | OUT | --inspect PATH...) [--format text|svg|dot|mermaid] [--out FILE] [--node NAME...]

Draws the trust map: who presents which certificate to whom, and which CA file the other end
checks it with; from a config's plan, a directory kubepki wrote (with its users), or any PKI
read by kubepki inspect (broken connections marked, with the reason; exit 1 when any is broken).

Flags:
  -c, --config FILE   map the plan of this cluster description
      --inspect PATH  map a tree through kubepki inspect (with --config: what it expects)
      --format F      text (default), svg (Graphviz, bundled), dot or mermaid
  -o, --out FILE      write to FILE; its extension (.svg, .dot, .mmd, .txt) picks the format
      --node NAME     unfold a folded host, component or kind (repeatable)

Examples:
  kubepki map --config cluster.yaml --out trust-map.svg
  kubepki map --inspect /etc/kubernetes/pki --config cluster.yaml

${EXIT_CODES}
`,
  user: `Usage: kubepki user add|finish|renew|remove NAME --out DIR ...

A person's kubectl access to the cluster of DIR: a key, a client certificate (CN the name, one O
per group) and a kubeconfig under DIR/users/NAME/.

  kubepki user add NAME --group G [--group G...] --out DIR [--validity 90d] [--csr]
  kubepki user finish NAME --certificate FILE --out DIR
  kubepki user renew NAME --out DIR [--validity 90d]
  kubepki user remove NAME --out DIR

kubepki user add --help (finish, renew, remove) says more of each.
`,
  'user add': `Usage: kubepki user add NAME --group G [--group G...] --out DIR [--validity D] [--csr]

Makes a key, a client certificate (CN NAME, one O per group) and a kubeconfig under
DIR/users/NAME/, signed by DIR's cluster CA; with --csr, a CertificateSigningRequest the
cluster signs instead (the CA key is not needed), finished by kubepki user finish.

Flags:
  -o, --out DIR        a directory kubepki generate wrote
      --group G        a group (the certificate's O), once per group; RBAC binds groups
      --validity D     how long the certificate lasts (90d, 8760h, 1y; default: the cluster's
                       pki.validity.certificate); never past the cluster CA's end
      --csr            have the cluster sign it (kubernetes.io/kube-apiserver-client)

Examples:
  kubepki user add jane --group developers --out pki-out --validity 90d
  kubepki user add bob --group developers --out pki-out --csr

${EXIT_CODES}
`,
  'user finish': `Usage: kubepki user finish NAME --certificate FILE --out DIR

Completes a --csr user: checks the certificate the cluster issued against the user's key and the
cluster CA, then writes it and the user's kubeconfig.

Flags:
  -o, --out DIR            a directory kubepki generate wrote
      --certificate FILE   the issued certificate (kubectl get csr … -o jsonpath='{.status.certificate}' | base64 -d)

Example:
  kubepki user finish bob --certificate bob.crt --out pki-out

${EXIT_CODES}
`,
  'user renew': `Usage: kubepki user renew NAME --out DIR [--validity D]

Issues a user's certificate again from DIR's cluster CA: same key, name and groups, a fresh
validity; the kubeconfig is rewritten. (A --csr user is renewed by the cluster: remove it and
add it again with --csr.)

Flags:
  -o, --out DIR      a directory kubepki generate wrote
      --validity D   how long the new certificate lasts (default: pki.validity.certificate)

Example:
  kubepki user renew jane --out pki-out --validity 90d

${EXIT_CODES}
`,
  'user remove': `Usage: kubepki user remove NAME --out DIR

Removes a user's files and manifest entry, and says what the cluster still trusts: a certificate
stays valid until it ends (Kubernetes checks no revocation list), so it prints how to find and
remove the RBAC bindings of the user and its groups.

Flags:
  -o, --out DIR   a directory kubepki generate wrote

Example:
  kubepki user remove jane --out pki-out

${EXIT_CODES}
`,
};

/** The help of the command the positionals name (`user add` before `user`), or undefined for the overview. */
export function commandHelp(positionals: string[]): string | undefined {
  const [command, action] = positionals;
  if (command === undefined) return undefined;
  return (action !== undefined ? COMMAND_HELP[`${command} ${action}`] : undefined) ?? COMMAND_HELP[command];
}

/** The commands with a help of their own, as typed (`user add`). */
export const COMMANDS_WITH_HELP = Object.keys(COMMAND_HELP);
