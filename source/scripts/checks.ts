// The openssl checks that prove each certificate, as data: verify.sh runs them, the wizard's
// final screen and `generate` print them, grouped by the authority that must have signed.
import {firstServiceIp, ipFamily, parseCidr} from '../spec/net.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {shellLine, shellQuote} from './shell.js';

export type Check =
  | {kind: 'verify'; file: string; argv: string[]; what: string}
  | {kind: 'key-match'; file: string; cert: string; key: string; what: string}
  | {kind: 'public-key-match'; file: string; publicKey: string; key: string; what: string}
  | {kind: 'kubeconfig'; file: string; ca: string; cn: string; organizations: string[]; what: string};

export interface CheckGroup {
  authority: AuthorityId | 'service-account';
  title: string;
  checks: Check[];
}

const PURPOSE = {serverAuth: 'sslserver', clientAuth: 'sslclient'} as const;

export function opensslChecks(plan: Plan): CheckGroup[] {
  const groups: CheckGroup[] = plan.authorities.map(a => {
    const checks: Check[] = [
      {kind: 'verify', file: a.cert, argv: ['openssl', 'verify', '-CAfile', a.cert, a.cert], what: `${a.id} is a self-signed CA`},
      {kind: 'key-match', file: a.key, cert: a.cert, key: a.key, what: `${a.id} key matches its certificate`},
    ];
    for (const c of plan.certificates.filter(c => c.signer === a.id)) {
      const label = c.node ? `${c.id} (${c.node})` : c.id;
      for (const usage of c.usages) {
        checks.push({kind: 'verify', file: c.cert, what: `${label} signed by ${a.id}, usable for ${usage}`,
          argv: ['openssl', 'verify', '-CAfile', a.cert, '-purpose', PURPOSE[usage], c.cert]});
      }
      // Names are what a server is checked against: test each SAN with the server purpose.
      const purpose = c.usages.includes('serverAuth') ? 'sslserver' : 'sslclient';
      for (const name of [...c.dnsNames, ...c.ipAddresses]) {
        const flag = ipFamily(name) ? '-verify_ip' : '-verify_hostname';
        checks.push({kind: 'verify', file: c.cert, what: `${label} valid for ${name}`,
          argv: ['openssl', 'verify', '-CAfile', a.cert, '-purpose', purpose, flag, name, c.cert]});
      }
      checks.push({kind: 'key-match', file: c.key, cert: c.cert, key: c.key, what: `${label} key matches its certificate`});
    }
    for (const k of plan.kubeconfigs.filter(k => k.authority === a.id)) {
      const client = plan.certificates.find(c => c.id === k.certificate.id && c.node === k.certificate.node)!;
      checks.push({kind: 'kubeconfig', file: k.file, ca: a.cert, cn: client.cn, organizations: client.organizations, what: `${k.id}${k.node ? ` (${k.node})` : ''} kubeconfig's client certificate signed by ${a.id}`});
    }
    return {authority: a.id, title: `signed by ${a.id} (${a.cert})`, checks};
  });
  groups.push({
    authority: 'service-account',
    title: 'service-account key pair',
    checks: [{kind: 'public-key-match', file: plan.serviceAccount.publicKey, publicKey: plan.serviceAccount.publicKey, key: plan.serviceAccount.key, what: 'sa public key matches sa private key'}],
  });
  return groups;
}

/** How a check reads when printed for a person to run by hand in bash (from inside OUT). */
export function checkCommand(check: Check): string {
  const q = shellQuote;
  switch (check.kind) {
    case 'verify': return shellLine(check.argv);
    case 'key-match': return `diff <(openssl x509 -noout -pubkey -in ${q(check.cert)}) <(openssl pkey -pubout -in ${q(check.key)})`;
    case 'public-key-match': return `diff <(openssl pkey -pubin -in ${q(check.publicKey)}) <(openssl pkey -pubout -in ${q(check.key)})`;
    case 'kubeconfig': return `openssl verify -CAfile ${q(check.ca)} -purpose sslclient <(awk '/client-certificate-data:/ {print $2}' ${q(check.file)} | base64 -d)`;
  }
}

export const checkCount = (groups: CheckGroup[]) => groups.reduce((n, g) => n + g.checks.length, 0);

/**
 * The checks that matter most for this cluster, each with what it proves: the apiserver
 * certificate is valid for the endpoint clients dial and for the Service IP pods dial (the two
 * names a wrong answer breaks).
 */
export function clusterChecks(plan: Plan): {label: string; check: Check}[] {
  const all = opensslChecks(plan).flatMap(g => g.checks);
  const apiserver = plan.certificates.find(c => c.id === 'apiserver');
  const sans = (name: string) => all.find(c => c.kind === 'verify' && c.file === apiserver?.cert && c.argv.at(-2) === name);
  const endpoint = sans(plan.spec.endpoint.host);
  const cidr = parseCidr(plan.spec.network.serviceCIDR);
  const serviceIp = cidr.ok ? firstServiceIp(cidr.cidr) : undefined;
  const service = serviceIp ? sans(serviceIp) : undefined;
  return [
    ...(endpoint ? [{label: `the endpoint ${plan.spec.endpoint.host}`, check: endpoint}] : []),
    ...(service ? [{label: `the Service IP ${serviceIp}`, check: service}] : []),
  ];
}
