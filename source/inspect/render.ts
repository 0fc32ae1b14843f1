// The report as text: one table sized to the terminal, then each problem under the file it concerns.
import {renderTable} from '../text/table.js';
import type {CertificateRow, Finding, InspectReport} from './types.js';

const VERDICT = {ok: 'ok', warning: 'warning', problem: 'PROBLEM'} as const;

export function renderReport(report: InspectReport, columns?: number): string {
  const width = columns ?? 120;
  const parts: string[] = [];
  if (report.certificates.length) {
    parts.push(renderTable<CertificateRow>([
      {header: 'ROLE', value: r => r.role.label, shrink: 2, min: 16},
      {header: 'FILE', value: r => r.file + (r.copies.length ? ` (+${r.copies.length})` : ''), shrink: 3, min: 14},
      {header: 'SUBJECT', value: r => r.subject, shrink: 5, min: 12},
      {header: 'ISSUER', value: r => r.issuer, shrink: 4, min: 10},
      {header: 'DAYS', value: r => String(r.daysLeft)},
      {header: 'VERDICT', value: r => VERDICT[r.verdict]},
    ], report.certificates, width));
  } else {
    parts.push(`No certificates found in ${report.paths.join(', ')} (${report.filesRead} files read).`);
  }
  const others = [
    ...report.kubeconfigs.map(k => ({what: `kubeconfig: ${k.user}${k.server ? ` → ${k.server}` : ''}`, file: k.file + (k.copies.length ? ` (+${k.copies.length})` : ''), verdict: k.verdict})),
    ...report.keys.map(k => ({what: k.role, file: k.file, verdict: k.verdict})),
  ];
  if (others.length) {
    parts.push(renderTable([
      {header: 'KUBECONFIG / KEY', value: (r: typeof others[number]) => r.what, shrink: 2, min: 20},
      {header: 'FILE', value: r => r.file, shrink: 1, min: 14},
      {header: 'VERDICT', value: r => VERDICT[r.verdict]},
    ], others, width));
  }
  // Problems follow the table's order: a certificate's, then its key's, then kubeconfigs'.
  const order = [...report.certificates.flatMap(r => [r.file, ...(r.key ? [r.key] : [])]), ...report.kubeconfigs.map(k => k.file), ...report.keys.map(k => k.file)];
  const rank = (file: string) => (order.includes(file) ? order.indexOf(file) : file.startsWith('(') ? Infinity : -1);
  const sorted = [...report.findings].sort((a, b) => rank(a.file) - rank(b.file));
  parts.push(findingsText(sorted.filter(f => f.severity === 'problem'), 'Problems', width));
  parts.push(findingsText(sorted.filter(f => f.severity === 'warning'), 'Warnings', width));
  parts.push(report.problems
    ? `${report.problems} problem${report.problems === 1 ? '' : 's'} and ${report.warnings} warning${report.warnings === 1 ? '' : 's'} in ${report.certificates.length} certificates.`
    : `No problems in ${report.certificates.length} certificates${report.warnings ? ` (${report.warnings} warning${report.warnings === 1 ? '' : 's'})` : ''}.`);
  return `${parts.filter(Boolean).join('\n\n')}\n`;
}

/** Wraps at spaces to `width`, continuing lines under the text after the bullet. */
function wrap(text: string, width: number, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  for (const word of text.split(' ')) {
    if (line.length + word.length + 1 > width && line.trim().length > first.trim().length) {
      lines.push(line.trimEnd());
      line = rest;
    }
    line += (line === first || line === rest ? '' : ' ') + word;
  }
  lines.push(line);
  return lines;
}

function findingsText(findings: Finding[], title: string, width: number): string {
  if (findings.length === 0) return '';
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const lines = [`${title} (${findings.length}):`];
  for (const [file, list] of byFile) {
    const roles = [...new Set(list.map(f => f.role))].join(', ');
    lines.push(`  ${file} — ${roles}`);
    for (const f of list) lines.push(...wrap(f.message, width, '    - ', '      '));
  }
  return lines.join('\n');
}
