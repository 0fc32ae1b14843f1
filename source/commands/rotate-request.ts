// `kubepki rotate OUT start AUTHORITY --csr`: the new CA's key and request (build/rotate-request.ts
// says where they wait and why nothing else is written), and what the root CA's holder runs.
import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {pemBlocks} from '../build/rotate.js';
import {intermediateSigningCommands, pendingRequestOf, refuseRequest, writeRequest, type PendingRequest} from '../build/rotate-request.js';
import {readExisting, readManifest} from '../output/existing.js';
import {algorithmOf, KEY_ALGORITHMS, keyTypeOf} from '../pki/algorithms.js';
import {createCertificationRequest} from '../pki/csr.js';
import {createKeyGenerator} from '../pki/keys.js';
import {children, fromPem, read} from '../pki/der.js';
import {readName, subjectText} from '../pki/subject.js';
import type {AuthorityId, Plan} from '../plan/types.js';
import {InputError} from '../spec/errors.js';
import {KEY_LABELS, type KeyType} from '../spec/types.js';
import {shellQuote} from '../scripts/shell.js';
import {EXIT, type Io} from './io.js';

const q = shellQuote;

/** The new CA's CN: the old one with a timestamp, as a generated new CA's (a subject of its own keeps chains and logs apart). */
export const newCaCn = (cn: string, now: Date) => `${cn}-${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

export async function requestNewCa(io: Io, out: string, plan: Plan, id: AuthorityId, keyType?: KeyType): Promise<number> {
  const existing = readExisting(out);
  const authority = plan.authorities.find(a => a.id === id)!;
  const waiting = pendingRequestOf(out, existing.manifest);
  // The same request again: its steps again, nothing written.
  if (waiting?.authority === id && !(existing.manifest as {rotation?: unknown}).rotation) {
    const waitingType = keyType === undefined ? undefined : waitingKeyType(out, waiting);
    if (keyType !== undefined && waitingType !== undefined && keyType !== waitingType) throw new InputError([`rotate start --csr --key-type ${keyType}: the request that waits (${waiting.csr}) is for a key of type ${KEY_LABELS[waitingType]}; drop it with kubepki rotate ${shellQuote(out)} abort, then ask again. Nothing was changed.`]);
    io.out(requestReport(out, plan, waiting, true));
    return EXIT.ok;
  }
  refuseRequest(out, out, existing.manifest);
  const files = existing.authorities.get(id);
  if (files?.cert.pem === undefined) throw new InputError([`rotate start --csr: ${authority.cert} cannot be read (${files?.cert.problem ?? 'not in the manifest'}); nothing was changed.`]);
  // --key-type, or the old CA's key type, read from its certificate (an external CA's key is not here).
  const algorithm = KEY_ALGORITHMS[keyType ?? algorithmOf(new X509Certificate(pemBlocks(files.cert.pem)[0] ?? files.cert.pem).publicKey).type];
  io.err(`kubepki: making the new ${id} CA's key (${KEY_LABELS[algorithm.type]}) and its request\n`);
  const pair = await createKeyGenerator(1)(KEY_ALGORITHMS[algorithm.type]);
  const csr = createCertificationRequest({cn: newCaCn(authority.cn, new Date()), organizations: []}, pair.privateKeyPem, {authority: true});
  const request = writeRequest(out, id, pair.privateKeyPem, csr);
  io.out(requestReport(out, plan, request, false));
  return EXIT.ok;
}

/** The waiting request's key type; undefined when its key cannot be read (start --certificate then says why). */
function waitingKeyType(out: string, waiting: PendingRequest): KeyType | undefined {
  try {
    return keyTypeOf(readFileSync(join(out, waiting.key), 'utf8'));
  } catch {
    return undefined;
  }
}

function requestReport(out: string, plan: Plan, request: PendingRequest, again: boolean): string {
  const authority = plan.authorities.find(a => a.id === request.authority)!;
  const days = Math.max(1, Math.round(authority.validityHours / 24));
  const {issued, lines} = intermediateSigningCommands(out, request, days);
  const subject = requestSubject(join(out, request.csr));
  return [
    again
      ? `A request for a new ${request.authority} CA already waits in ${out}: ${request.csr} (its key ${request.key}). Nothing was changed.`
      : `Requested a new ${request.authority} CA in ${out}: its key ${request.key} (0600, on no node) and the request ${request.csr} (${subject}; it asks for basicConstraints CA:TRUE and keyUsage keyCertSign, cRLSign). Nothing else in ${out} changed: the rotation starts once its certificate is given.`,
    'The holder of your root CA signs it as an intermediate CA that signs only leaves (root-ca.crt and root-ca.key: the root\'s certificate and key):',
    ...lines.map(l => `  ${l}`),
    `Then: kubepki rotate ${q(out)} start ${request.authority} --certificate ${issued}   (the new CA's certificate; the root's chain may follow it in the file, each link is checked)`,
    `The cluster will trust the new CA certificate itself, not your root (Go takes any certificate of a CA file as a trust anchor; the root there would admit whatever else it signs). To drop the request: kubepki rotate ${q(out)} abort`,
  ].join('\n').concat('\n');
}

/** The request's subject, as the request file holds it (a repeated --csr shows the one that waits). */
function requestSubject(path: string): string {
  try {
    const info = children(read(fromPem(readFileSync(path, 'utf8'), 'CERTIFICATE REQUEST')))[0]!;
    return subjectText(readName(children(info)[1]));
  } catch {
    return '';
  }
}

/** `rotate OUT status` while a request waits: what waits, and the command that starts the rotation. */
export function requestStatus(out: string, request: PendingRequest): string[] {
  return [
    `A request for a new ${request.authority} CA waits for its certificate: ${request.csr} (key ${request.key}); the rotation has not started.`,
    `Next: kubepki rotate ${q(out)} start ${request.authority} --certificate FILE   (the certificate your root CA issued for the request). To drop it: kubepki rotate ${q(out)} abort`,
  ];
}

export const pendingRequestIn = (out: string) => pendingRequestOf(out, readManifest(out));
