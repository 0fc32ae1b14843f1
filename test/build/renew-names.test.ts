// renew's names: a node named like a certificate (or like `all`) shadows neither meaning.
import {describe, expect, it} from 'vitest';
import {selectRenewals} from '../../source/build/renew.js';
import type {ExistingOut} from '../../source/output/existing.js';
import {buildPlan} from '../../source/plan/plan.js';
import {InputError} from '../../source/spec/errors.js';
import {specWith} from '../helpers/cluster.js';

// Nodes named `apiserver` and `all` (both valid node names).
const plan = buildPlan(specWith(c => { c.nodes[2].name = 'apiserver'; c.nodes[3].name = 'all'; }));
const nothingRead = {certificates: new Map()} as unknown as ExistingOut;
const refs = (...names: string[]) => selectRenewals(plan, nothingRead, names, undefined).refs;
const refused = (name: string) => {
  try {
    refs(name);
  } catch (error) {
    if (error instanceof InputError) return error.lines;
  }
  return [];
};

describe('renew names', () => {
  it('a bare name that is both a certificate (or all) and a node is refused, naming cert: and node:', () => {
    expect(refused('apiserver')).toEqual(['renew: "apiserver" is both a certificate and a node: write cert:apiserver for the certificate, or node:apiserver for that node\'s certificates']);
    expect(refused('all')).toEqual(['renew: "all" is both every certificate and a node: write cert:all for every certificate, or node:all for that node\'s certificates']);
  });

  it('cert: and node: say which is meant', () => {
    expect(refs('cert:apiserver')).toEqual(['apiserver']);
    expect(refs('node:apiserver')).toEqual(plan.certificates.filter(c => c.node === 'apiserver').map(c => c.ref));
    expect(refs('node:apiserver').length).toBeGreaterThan(0);
    expect(refs('cert:all')).toEqual(plan.certificates.map(c => c.ref));
    expect(refs('node:all')).toEqual(plan.certificates.filter(c => c.node === 'all').map(c => c.ref));
  });

  it('a name with one meaning needs no prefix', () => {
    expect(refs('kube-scheduler')).toEqual(['kube-scheduler']);
    expect(refs('cp1')).toEqual(plan.certificates.filter(c => c.node === 'cp1').map(c => c.ref));
  });
});
