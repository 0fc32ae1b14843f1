import type {RoleId} from './roles.js';

export type Severity = 'problem' | 'warning';

/** One thing wrong (problem: exit 1) or worth knowing (warning), next to the file it concerns. */
export interface Finding {
  severity: Severity;
  file: string;
  role: string;
  message: string;
  /** Why the role needs this, from the catalog, for the learner who asks. */
  why?: string;
}

export interface CertificateRow {
  file: string;
  /** Other places holding the same certificate (node bundles, kubeconfigs). */
  copies: string[];
  role: {id: RoleId; label: string; nodes: string[]};
  subject: string;
  cn: string;
  organizations: string[];
  /** The issuer's file, "self-signed", or its name when no CA here signed it. */
  issuer: string;
  key: string | undefined;
  keyType: string;
  usages: string[];
  dnsNames: string[];
  ipAddresses: string[];
  notAfter: string;
  daysLeft: number;
  verdict: 'ok' | 'problem' | 'warning';
}

export interface KubeconfigRow {
  file: string;
  copies: string[];
  user: string;
  server: string | undefined;
  client: string | undefined;
  verdict: 'ok' | 'problem' | 'warning';
}

export interface KeyRow {
  file: string;
  role: string;
  verdict: 'ok' | 'problem' | 'warning';
}

export interface InspectReport {
  paths: string[];
  filesRead: number;
  certificates: CertificateRow[];
  kubeconfigs: KubeconfigRow[];
  /** Keys not paired with a certificate: the service-account pair, strays. */
  keys: KeyRow[];
  /** What was found but not read: not a regular file, too large, a link to a folder. */
  skipped: {file: string; reason: string}[];
  findings: Finding[];
  problems: number;
  warnings: number;
}
