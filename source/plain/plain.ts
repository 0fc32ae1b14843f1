// The wizard's questions as plain line prompts (@inquirer/prompts): for screen readers, dumb
// terminals and logged sessions. Same draft, same validator, same result.
import {checkbox, input, select} from '@inquirer/prompts';
import {buildPlan} from '../plan/plan.js';
import {finalReport} from '../build/report.js';
import {signingSummary} from '../plan/catalog.js';
import {layoutExample} from '../plan/layouts.js';
import {AUTHORITY_TOPOLOGIES, KEY_TYPES, LAYOUTS, ROLES, type ClusterSpec, type Role} from '../spec/types.js';
import {PLAN_COLUMNS, caKeyHolders, planRows, planSummary} from '../text/plan-table.js';
import {renderTable} from '../text/table.js';
import {nodeErrors, outputErrors, type FrontEndDeps} from '../interview/checks.js';
import {draftFromSpec, issuesByField, validateDraft, type Draft, type DraftNode} from '../interview/draft.js';
import {stepErrors, type StepId} from '../interview/flow.js';
import {authoritiesLesson, clusterLesson, keysLesson, layoutLesson, networkLesson, nodesLesson, outputLesson, serviceIpPreview} from '../interview/lessons.js';

/** Where prompts read and write: injectable, so tests drive them with streams. */
export type Context = Parameters<typeof input>[1];

export interface PlainDeps extends FrontEndDeps {
  context?: Context;
}

export async function runPlain(spec: ClusterSpec, deps: PlainDeps): Promise<{code: 0 | 1 | 130}> {
  const ctx = deps.context;
  const output = ctx?.output ?? process.stdout;
  const say = (text: string) => output.write(`${text}\n`);
  const draft: Draft = draftFromSpec(spec);
  try {
    type Question = [field: string, ask: () => Promise<void>];
    /** Ask a step's questions, then again only those whose field has an error, until none has. */
    const step = async (id: StepId, lesson: string, questions: Question[], extra: () => Record<string, string> = () => ({})) => {
      say(`\n== ${lesson}`);
      let pending = questions;
      for (;;) {
        for (const [, ask] of pending) await ask();
        const errors = {...stepErrors(id, draft), ...extra()};
        if (Object.keys(errors).length === 0) return;
        for (const [path, message] of Object.entries(errors)) say(`✗ ${path}: ${message}`);
        const failing = questions.filter(([field]) => Object.keys(errors).some(path => path === field || path.startsWith(`${field}[`)));
        pending = failing.length > 0 ? failing : questions;
      }
    };
    const text = (message: string, value: string) => input({message, default: value}, ctx);

    await step('cluster', clusterLesson, [
      ['name', async () => { draft.name = await text('Cluster name', draft.name); }],
      ['endpoint.host', async () => { draft.endpointHost = await text('API endpoint host (load balancer or first control-plane node)', draft.endpointHost); }],
      ['endpoint.port', async () => { draft.endpointPort = await text('API endpoint port', draft.endpointPort); }],
    ]);

    await step('nodes', nodesLesson, [['nodes', async () => {
      for (;;) {
        say(draft.nodes.map((n, i) => `  ${i + 1}. ${n.name} ${n.ip} ${n.roles.join(', ')}`).join('\n'));
        const action = await select({message: 'Nodes', choices: [
          {name: 'Continue', value: 'continue'}, {name: 'Add a node', value: 'add'},
          ...draft.nodes.map((n, i) => ({name: `Edit ${n.name}`, value: `edit:${i}`})),
          ...draft.nodes.map((n, i) => ({name: `Remove ${n.name}`, value: `remove:${i}`})),
        ]}, ctx);
        if (action === 'continue') return;
        if (action.startsWith('remove:')) { draft.nodes.splice(Number(action.slice(7)), 1); continue; }
        const index = action === 'add' ? draft.nodes.length : Number(action.slice(5));
        const before: DraftNode = draft.nodes[index] ?? {name: `node${index + 1}`, ip: '', roles: ['worker']};
        for (;;) {
          const node: DraftNode = {
            name: await text('Node name (what its kubelet registers as)', before.name),
            ip: await text('Node IP', before.ip),
            roles: await checkbox({message: 'Roles', choices: ROLES.map(r => ({name: r, value: r, checked: before.roles.includes(r)}))}, ctx) as Role[],
          };
          const problems = Object.entries(nodeErrors(draft, index, node));
          if (problems.length === 0) { draft.nodes[index] = node; break; }
          for (const [path, message] of problems) say(`✗ ${path}: ${message}`);
          Object.assign(before, node);
        }
      }
    }]]);

    await step('network', networkLesson, [
      ['network.serviceCIDR', async () => {
        draft.serviceCIDR = await text('Service CIDR', draft.serviceCIDR);
        say(serviceIpPreview(draft.serviceCIDR));
      }],
      ['network.clusterDomain', async () => { draft.clusterDomain = await text('Cluster domain', draft.clusterDomain); }],
      ['extraSANs', async () => { draft.extraSANs = await text('Extra SANs for the apiserver (comma-separated)', draft.extraSANs); }],
    ]);

    await step('authorities', authoritiesLesson, [['pki.authorities', async () => {
      draft.authorities = await select({message: 'CA topology', default: draft.authorities, choices: AUTHORITY_TOPOLOGIES.map(t => ({
        name: t, value: t,
        description: signingSummary(t, draft.layout).map(s => `${s.authority} signs: ${s.certificates.join(', ')}`).join('\n'),
      }))}, ctx);
      for (const s of signingSummary(draft.authorities, draft.layout)) say(`  ${s.authority} signs: ${s.certificates.join(', ')}`);
    }]]);

    await step('keys', keysLesson, [
      ['pki.key', async () => { draft.key = await select({message: 'Key type', default: draft.key, choices: KEY_TYPES.map(k => ({name: k, value: k}))}, ctx); }],
      ['pki.validity.ca', async () => { draft.caValidity = await text('CA validity (87600h, 3650d, 10y)', draft.caValidity); }],
      ['pki.validity.certificate', async () => { draft.certificateValidity = await text('Certificate validity', draft.certificateValidity); }],
    ]);

    await step('layout', layoutLesson, [['pki.layout', async () => {
      draft.layout = await select({message: 'Layout', default: draft.layout, choices: LAYOUTS.map(l => ({name: `${l} (e.g. ${layoutExample(l)})`, value: l}))}, ctx);
    }]]);

    await step('output', outputLesson, [
      ['out', async () => { draft.out = await text('Output directory', draft.out); }],
      ['ssh.user', async () => { draft.sshUser = await text('SSH user', draft.sshUser); }],
    ], () => outputErrors(draft, deps.checkOut));

    const result = validateDraft(draft);
    if (!result.ok) {
      for (const [path, message] of Object.entries(issuesByField(result.issues))) say(`✗ ${path}: ${message}`);
      return {code: 1};
    }
    const plan = buildPlan(result.spec);
    say(`\n${renderTable(PLAN_COLUMNS, planRows(plan))}\n`);
    for (const line of [...planSummary(plan), caKeyHolders(plan), ...plan.warnings.map(w => `warning: ${w}`)]) say(line);
    const go = await select({message: 'Generate these files now?', choices: [{name: 'Generate', value: true}, {name: 'Quit without writing', value: false}]}, ctx);
    if (!go) return {code: 0};
    let last = -1;
    const written = await deps.generate(plan, draft.out.trim(), e => {
      const tenth = Math.floor((e.done / e.total) * 10);
      if (tenth !== last) { last = tenth; say(`generating keys ${e.done}/${e.total}`); }
    });
    say(`\n${finalReport(written)}`);
    return {code: 0};
  } catch (error) {
    // @inquirer/prompts rejects with ExitPromptError on Ctrl+C.
    if ((error as Error).name === 'ExitPromptError' || (error as Error).name === 'AbortPromptError') return {code: 130};
    throw error;
  }
}
