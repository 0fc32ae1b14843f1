// The part of the map one certificate (or CA) is about: the connections it is presented on, or
// checked with. The wizard's plan screen shows this for the selected row.
import {CERTIFICATES} from '../plan/catalog.js';
import type {Plan} from '../plan/types.js';
import type {TrustMap} from './types.js';

export type Focus = {certificate: string} | {authority: string} | {serviceAccount: true};

export function focusMap(map: TrustMap, focus: Focus): TrustMap {
  const edges = map.edges.filter(e => {
    if ('certificate' in focus) return e.clientPresents.certificate === focus.certificate || e.serverPresents.certificate === focus.certificate;
    if ('authority' in focus) return e.clientPresents.checkedWith.file === focus.authority || e.serverPresents.checkedWith.file === focus.authority;
    return e.client === 'pods';
  });
  const ends = new Set(edges.flatMap(e => [e.client, e.server]));
  return {title: map.title, nodes: map.nodes.filter(n => n.kind === 'authority' || ends.has(n.id)), edges};
}

/** A planned certificate's connections, and why its names matter. */
export function focusOfPlanRow(plan: Plan, row: {kind: 'authority' | 'certificate' | 'serviceAccount'; index: number}): {focus: Focus; title: string; names?: string} {
  if (row.kind === 'authority') {
    const a = plan.authorities[row.index]!;
    return {focus: {authority: a.cert}, title: `${a.cert}: the connections checked with it`};
  }
  if (row.kind === 'serviceAccount') return {focus: {serviceAccount: true}, title: 'the service-account key pair: pods\' tokens'};
  const c = plan.certificates[row.index]!;
  const sa = c.id === 'service-accounts';
  return {
    focus: sa ? {serviceAccount: true} : {certificate: c.ref},
    title: `${c.cert}: who presents it, to whom, checked with which file`,
    names: CERTIFICATES.find(k => k.id === c.id)!.why.names,
  };
}
