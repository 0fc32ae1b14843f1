// The report as text: one table sized to the terminal, then each problem under the file it concerns.
// Names come from the files (paths, subjects, kubeconfig users): every one is shown escaped, so a
// file cannot drive the terminal (ESC, C1 controls) or reverse what follows it (bidi overrides).
import {printable} from '../spec/quote.js';
import {renderTable, type Column} from '../text/table.js';
import {wrapText} from '../text/wrap.js';
import type {CertificateRow, Finding, InspectReport} from './types.js';

const VERDICT = {ok: 'ok', warning: 'warning', problem: 'PROBLEM'} as const;

/** Cells as given, escaped. */
const shown = <T>(columns: Column<T>[]): Column<T>[] => columns.map(c => ({...c, value: (row: T) => printable(c.value(row))}));

/** `columns`: the terminal's width; without one (a file, a pipe) every line is as long as it needs. */
export function renderReport(report: InspectReport, columns?: number): string {
  const width = columns ?? Infinity;
  const parts: string[] = [];
  if (report.certificates.length) {
    parts.push(renderTable<CertificateRow>(shown([
      {header: 'ROLE', value: r => r.role.label, shrink: 2, min: 16},
      {header: 'FILE', value: r => r.file + (r.copies.length ? ` (+${r.copies.length})` : ''), shrink: 3, min: 14},
      {header: 'SUBJECT', value: r => r.subject, shrink: 5, min: 12},
      {header: 'ISSUER', value: r => r.issuer, shrink: 4, min: 10},
      {header: 'DAYS', value: r => String(r.daysLeft)},
      {header: 'VERDICT', value: r => VERDICT[r.verdict]},
    ]), report.certificates, width));
  } else {
    parts.push(printable(`No certificates found in ${report.paths.join(', ')} (${report.filesRead} files read).`));
  }
  const others = [
    ...report.kubeconfigs.map(k => ({what: `kubeconfig: ${k.user}${k.server ? ` → ${k.server}` : ''}`, file: k.file + (k.copies.length ? ` (+${k.copies.length})` : ''), verdict: k.verdict})),
    ...report.keys.map(k => ({what: k.role, file: k.file, verdict: k.verdict})),
  ];
  if (others.length) {
    parts.push(renderTable(shown([
      {header: 'KUBECONFIG / KEY', value: (r: typeof others[number]) => r.what, shrink: 2, min: 20},
      {header: 'FILE', value: r => r.file, shrink: 1, min: 14},
      {header: 'VERDICT', value: r => VERDICT[r.verdict]},
    ]), others, width));
  }
  if (report.skipped.length) {
    const lines = [`Not read (${report.skipped.length}):`];
    for (const s of report.skipped) lines.push(...bullet(`${s.file} ${s.reason}`, width, '  - ', '    '));
    parts.push(lines.join('\n'));
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

/** Escaped and wrapped to `width`, the lines after the first under the text after the bullet. */
function bullet(text: string, width: number, first: string, rest: string): string[] {
  return wrapText(printable(text), width - first.length).map((line, i) => (i ? rest : first) + line);
}

function findingsText(findings: Finding[], title: string, width: number): string {
  if (findings.length === 0) return '';
  const byFile = new Map<string, Finding[]>();
  for (const f of findings) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f]);
  const lines = [`${title} (${findings.length}):`];
  for (const [file, list] of byFile) {
    const roles = [...new Set(list.map(f => f.role))].join(', ');
    lines.push(printable(`  ${file} — ${roles}`));
    for (const f of list) lines.push(...bullet(f.message, width, '    - ', '      '));
  }
  return lines.join('\n');
}
