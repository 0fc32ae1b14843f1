// The wizard's "check an existing PKI" path, without React: the first screen's choices, what the
// path field accepts, and the rows and details the check screen shows for an inspect report.
import {existsSync} from 'node:fs';
import type {Finding, InspectReport} from '../inspect/types.js';
import {printable} from '../spec/quote.js';

export type StartChoice = 'plan' | 'check' | 'update';

export const START_CHOICES: {value: StartChoice; label: string}[] = [
  {value: 'plan', label: 'Plan a new PKI — answer a few questions, see every certificate, write them'},
  {value: 'check', label: 'Check an existing one — /etc/kubernetes, openssl or cfssl folders'},
  {value: 'update', label: 'Update an existing output directory — nodes, users, what changes'},
];

export const startLesson =
  'kubepki can make a cluster\'s certificates, or read the ones you have and say, for each file, which certificate of the cluster it is and what is wrong with it.';

export const checkLesson =
  'Give a directory or a file. Every certificate, key and kubeconfig under it is read whatever its name, paired by signature, and checked against what its role needs.';

/** Where to look first: a kubeadm node's directory when this machine is one. */
export const defaultCheckPath = () => (existsSync('/etc/kubernetes/pki') ? '/etc/kubernetes' : '.');

/** The path field's own check: the validator of this screen. */
export function checkPathError(path: string): string | undefined {
  if (path.trim() === '') return 'is required: a directory such as /etc/kubernetes, or a file';
  if (!existsSync(path.trim())) return `${path.trim()}: no such file or directory`;
  return undefined;
}

export interface CheckRow {
  file: string;
  label: string;
  verdict: 'ok' | 'warning' | 'problem';
}

/** One row per certificate, kubeconfig and lone key, then files that are only findings (a damaged PEM). */
export function checkRows(report: InspectReport): CheckRow[] {
  const rows: CheckRow[] = [
    ...report.certificates.map(c => ({file: c.file, label: c.role.label, verdict: c.verdict})),
    ...report.kubeconfigs.map(k => ({file: k.file, label: `kubeconfig: ${k.user}`, verdict: k.verdict})),
    ...report.keys.map(k => ({file: k.file, label: k.role, verdict: k.verdict})),
  ];
  const covered = new Set(rows.flatMap(r => [r.file, ...report.certificates.filter(c => c.file === r.file && c.key).map(c => c.key!)]));
  for (const f of report.findings) {
    if (covered.has(f.file)) continue;
    covered.add(f.file);
    const mine = report.findings.filter(g => g.file === f.file);
    rows.push({file: f.file, label: f.role, verdict: mine.some(g => g.severity === 'problem') ? 'problem' : 'warning'});
  }
  return rows;
}

/** The findings that concern a row: its file's, and for a certificate its key file's. */
export function rowFindings(report: InspectReport, row: CheckRow): Finding[] {
  const key = report.certificates.find(c => c.file === row.file)?.key;
  return report.findings.filter(f => f.file === row.file || (key !== undefined && f.file === key));
}

/** The detail view of one row: what the certificate is, then each problem with why its role needs it. */
export function checkRowDetails(report: InspectReport, row: CheckRow): {title: string; facts: [string, string][]; findings: {severity: Finding['severity']; message: string; why?: string}[]} {
  const cert = report.certificates.find(c => c.file === row.file);
  const facts: [string, string][] = cert ? [
    ['subject', cert.subject],
    ['issuer', cert.issuer],
    ['key', cert.key ? `${cert.key} (${cert.keyType})` : `not found here (${cert.keyType})`],
    ['usages', cert.usages.join(', ')],
    ['names', [...cert.dnsNames, ...cert.ipAddresses].join(', ') || '(none)'],
    ['expires', `${cert.notAfter.slice(0, 10)} (${cert.daysLeft} days)`],
    ...(cert.copies.length ? [['copies', cert.copies.join(', ')] as [string, string]] : []),
  ] : [];
  // Names come from the files read: escaped as the printed report escapes them (ESC, C1, bidi).
  return {
    title: printable(`${row.label} — ${row.file}`),
    facts: facts.map(([label, value]) => [label, printable(value)]),
    findings: rowFindings(report, row).map(f => ({severity: f.severity, message: printable(f.file === row.file ? f.message : `${f.file} ${f.message}`), ...(f.why ? {why: f.why} : {})})),
  };
}

export function checkSummary(report: InspectReport): string {
  return report.problems
    ? `${report.problems} problem${report.problems === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'} in ${report.certificates.length} certificates`
    : `no problems in ${report.certificates.length} certificates${report.warnings ? ` (${report.warnings} warning${report.warnings === 1 ? '' : 's'})` : ''}`;
}
