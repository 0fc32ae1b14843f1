// The wizard's "add a user" form, without React: its answers as `kubepki user add` takes them,
// checked by the same validator (build/users.ts userProblems), its messages placed under the
// field they concern, and what to show once the user's files are written.
import {join} from 'node:path';
import {groupWarnings, userNextSteps, userProblems, type AddUserRequest, type UserResult} from '../build/users.js';

export const SIGNING = {ca: 'signed here by the CA', csr: 'cluster signs (CSR)'} as const;
export type Signing = keyof typeof SIGNING;

export interface UserForm {
  name: string;
  /** Comma separated, as typed. */
  groups: string;
  signing: Signing;
  /** Blank: the cluster's certificate validity. */
  validity: string;
}

export const emptyUserForm = (): UserForm => ({name: '', groups: '', signing: 'ca', validity: ''});

export const splitGroups = (groups: string) => groups.split(',').map(g => g.trim()).filter(g => g !== '');

export function userRequest(form: UserForm): AddUserRequest {
  return {
    name: form.name.trim(),
    groups: splitGroups(form.groups),
    ...(form.validity.trim() ? {validity: form.validity.trim()} : {}),
    csr: form.signing === 'csr',
  };
}

/** The field of the form each of the validator's prefixes (the CLI's argument names) stands for. */
const FIELD_OF: Record<string, keyof UserForm> = {NAME: 'name', '--group': 'groups', '--validity': 'validity'};

/** Messages by form field (`form` for those no field can fix, e.g. OUT has no CA key). */
export function errorsByField(lines: string[]): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const line of lines) {
    const match = /^(NAME|--group|--validity): (.*)$/s.exec(line);
    const field = match ? FIELD_OF[match[1]!]! : 'form';
    errors[field] ??= match ? match[2]! : line.replace(/^--out: /, '');
  }
  return errors;
}

/** What the validator says about the form, by field (empty when it can be submitted). */
export const userFormErrors = (form: UserForm): Record<string, string> => errorsByField(userProblems(userRequest(form)));

/** Warnings about the groups typed so far (system:masters and the like). */
export const userFormWarnings = (form: UserForm): string[] => groupWarnings(splitGroups(form.groups));

/** The result screen: the files written (under OUT), then what to run. */
export function userResultLines(out: string, result: UserResult): {title: string; files: string[]; next: string[]} {
  const {entry} = result;
  const files = result.written.map(f => join(out, f));
  const title = `User ${entry.name} (groups ${entry.groups.join(', ')})`;
  return {title, files, next: userNextSteps(out, result)};
}
