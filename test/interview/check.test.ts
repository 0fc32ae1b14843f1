import {describe, expect, it} from 'vitest';
import {START_CHOICES, checkPathError, checkRowDetails, checkRows, checkSummary} from '../../source/interview/check.js';
import type {InspectReport} from '../../source/inspect/types.js';

const report: InspectReport = {
  paths: ['certs'], filesRead: 6,
  certificates: [
    {file: 'ca.crt', copies: [], role: {id: 'ca', label: 'cluster CA', nodes: []}, subject: 'CN=ca', cn: 'ca', organizations: [], issuer: 'self-signed', key: 'ca.key', keyType: 'RSA 2048', usages: ['CA', 'any'], dnsNames: [], ipAddresses: [], notAfter: '2036-01-01T00:00:00.000Z', daysLeft: 3000, verdict: 'ok'},
    {file: 'admin.crt', copies: ['admin.conf (client-certificate-data)'], role: {id: 'admin', label: 'admin', nodes: []}, subject: 'CN=admin', cn: 'admin', organizations: [], issuer: 'ca.crt', key: 'admin.key', keyType: 'RSA 2048', usages: ['clientAuth'], dnsNames: [], ipAddresses: [], notAfter: '2027-01-01T00:00:00.000Z', daysLeft: 300, verdict: 'problem'},
  ],
  kubeconfigs: [{file: 'admin.conf', copies: [], user: 'admin', server: 'https://10.0.0.1:6443', client: 'admin', verdict: 'ok'}],
  keys: [],
  skipped: [],
  findings: [
    {severity: 'problem', file: 'admin.crt', role: 'admin', message: 'has no O', why: 'RBAC reads each O as a group'},
    {severity: 'problem', file: 'admin.key', role: 'admin', message: 'is readable by every user'},
    {severity: 'problem', file: 'broken.crt', role: 'file', message: 'is cut short'},
    {severity: 'warning', file: '(not found)', role: 'the cluster', message: 'the cluster needs 3 certificates not found here'},
  ],
  problems: 3, warnings: 1,
};

describe('the check screen\'s model', () => {
  it('one row per certificate, kubeconfig and lone finding; a key\'s findings belong to its certificate', () => {
    expect(checkRows(report)).toEqual([
      {file: 'ca.crt', label: 'cluster CA', verdict: 'ok'},
      {file: 'admin.crt', label: 'admin', verdict: 'problem'},
      {file: 'admin.conf', label: 'kubeconfig: admin', verdict: 'ok'},
      {file: 'broken.crt', label: 'file', verdict: 'problem'},
      {file: '(not found)', label: 'the cluster', verdict: 'warning'},
    ]);
  });

  it('details: the facts, then each finding with why', () => {
    const view = checkRowDetails(report, checkRows(report)[1]!);
    expect(view.title).toBe('admin — admin.crt');
    expect(view.facts).toContainEqual(['key', 'admin.key (RSA 2048)']);
    expect(view.facts).toContainEqual(['copies', 'admin.conf (client-certificate-data)']);
    expect(view.findings).toEqual([
      {severity: 'problem', message: 'has no O', why: 'RBAC reads each O as a group'},
      {severity: 'problem', message: 'admin.key is readable by every user'},
    ]);
    expect(checkRowDetails(report, checkRows(report)[0]!).findings).toEqual([]);
  });

  it('the path must be given and exist', () => {
    expect(checkPathError('  ')).toMatch(/is required/);
    expect(checkPathError('/nonexistent/kubepki')).toBe('/nonexistent/kubepki: no such file or directory');
    expect(checkPathError('.')).toBeUndefined();
    expect(checkSummary(report)).toBe('3 problems, 1 warning in 2 certificates');
  });
});

describe('the first screen', () => {
  it('each choice fits one row of an 80-column terminal beside the menu\'s pointer (a wrapped one lost its indent)', () => {
    for (const c of START_CHOICES) expect(c.label.length + 2, c.label).toBeLessThanOrEqual(80);
  });
});
