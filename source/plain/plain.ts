// The wizard's questions as plain line prompts (@inquirer/prompts): for screen readers, dumb
// terminals and logged sessions. Same draft, same validator, same result.
import {buildPlan, sshWarning} from '../plan/plan.js';
import {finalReport} from '../build/report.js';
import {signingSummary} from '../plan/catalog.js';
import {AUTHORITY_TOPOLOGIES, KEY_TYPES, ROLES, type ClusterSpec, type Role} from '../spec/types.js';
import {caKeyHolders, planSummary, renderPlanTable} from '../text/plan-table.js';
import {nodeFieldProblems, nodeProblems, outputErrors, type FrontEndDeps} from '../interview/checks.js';
import {draftFromSpec, issuesByField, validateDraft, type Draft, type DraftNode} from '../interview/draft.js';
import {stepErrors, type StepId} from '../interview/flow.js';
import {LAYOUT_CHOICES, authoritiesNote, chooseLayout, layoutChoiceLabel, layoutChoiceOf, releaseChoices} from '../interview/choices.js';
import {inquirerAsker, lineAsker, wantsLinePrompts, type AnswerCheck, type Asker, type Context} from './ask.js';
import {authoritiesLesson, clusterLesson, expiryMonitoringLesson, keysLesson, layoutLesson, networkLesson, nodesLesson, outputLesson, releaseLesson, serviceIpPreview} from '../interview/lessons.js';

export type {Context} from './ask.js';

export interface PlainDeps extends FrontEndDeps {
  /** Where prompts read and write: injectable, so tests drive them with streams. */
  context?: Context;
  /** Numbered line prompts instead of arrow-key menus; by default when the output is not a terminal or TERM=dumb. */
  lines?: boolean;
}

export async function runPlain(spec: ClusterSpec, deps: PlainDeps): Promise<{code: 0 | 1 | 130}> {
  const ctx = deps.context;
  const output = ctx?.output ?? process.stdout;
  const say = (text: string) => output.write(`${text}\n`);
  const lines = deps.lines ?? wantsLinePrompts(output);
  const liner = lines ? lineAsker(ctx?.input ?? process.stdin, output) : undefined;
  const ask: Asker = liner ?? inquirerAsker(ctx);
  const draft: Draft = draftFromSpec(spec);
  try {
    type Question = [field: string, ask: () => Promise<void>];
    /** Errors the validator cannot see (the output directory), for a draft. */
    type Extra = (d: Draft) => Record<string, string>;
    const none: Extra = () => ({});
    const errorsIn = (id: StepId, field: string, d: Draft, extra: Extra) =>
      Object.entries({...stepErrors(id, d), ...extra(d)}).filter(([path]) => path === field || path.startsWith(`${field}[`) || path.startsWith(`${field}.`));
    const errorsOf = (id: StepId, field: string, extra: Extra) => errorsIn(id, field, draft, extra);
    /** One answer checked as it is given: the shared validator on the draft with this answer in it (nothing kept until it passes). */
    const answerCheck = (id: StepId, field: string, change: (answer: string) => Partial<Draft>, extra: Extra = none): AnswerCheck<string> => answer => {
      const errors = errorsIn(id, field, {...draft, ...change(answer)}, extra);
      return errors.length ? errors.map(([path, message]) => `${path}: ${message}`).join('; ') : undefined;
    };
    /** The field's value as a default only while it is valid: an invalid value is never offered. */
    const validDefault = (id: StepId, field: string, value: string, extra: Extra = none) =>
      errorsOf(id, field, extra).length === 0 && value.trim() !== '' ? value : undefined;
    /**
     * Ask a step's questions, each again right after an answer with an error (shown under it),
     * then again only those whose field still has an error (one field's answer can make another's
     * wrong), until none has.
     */
    const step = async (id: StepId, lesson: string, questions: Question[], extra: Extra = none) => {
      say(`\n== ${lesson}`);
      let pending = questions;
      for (;;) {
        for (const [field, question] of pending) {
          for (;;) {
            await question();
            const errors = errorsOf(id, field, extra);
            if (errors.length === 0) break;
            for (const [path, message] of errors) say(`✗ ${path}: ${message}`);
          }
        }
        const errors = {...stepErrors(id, draft), ...extra(draft)};
        if (Object.keys(errors).length === 0) return;
        for (const [path, message] of Object.entries(errors)) say(`✗ ${path}: ${message}`);
        const failing = questions.filter(([field]) => Object.keys(errors).some(path => path === field || path.startsWith(`${field}[`)));
        pending = failing.length > 0 ? failing : questions;
      }
    };
    /** A text question whose default is the field's value only while that value is valid. */
    const textField = (id: StepId, field: string, message: string, key: keyof Draft, extra: Extra = none): Question => {
      let lastGood: string | undefined;
      return [field, async () => {
        const value = draft[key] as string;
        if (validDefault(id, field, value, extra) !== undefined) lastGood = value;
        else if (lastGood === value) lastGood = undefined;
        (draft[key] as string) = await ask.text(message, lastGood, answerCheck(id, field, answer => ({[key]: answer}), extra));
      }];
    };

    await step('cluster', clusterLesson, [
      textField('cluster', 'name', 'Cluster name', 'name'),
      textField('cluster', 'endpoint.host', 'API endpoint host (load balancer or first control-plane node)', 'endpointHost'),
      textField('cluster', 'endpoint.port', 'API endpoint port', 'endpointPort'),
    ]);

    await step('nodes', nodesLesson, [['nodes', async () => {
      for (;;) {
        say(draft.nodes.map((n, i) => `  ${i + 1}. ${n.name} ${n.ip} ${n.roles.join(', ')}`).join('\n'));
        const action = await ask.select('Nodes', [
          {name: 'Continue', value: 'continue'}, {name: 'Add a node', value: 'add'},
          ...draft.nodes.map((n, i) => ({name: `Edit ${n.name}`, value: `edit:${i}`})),
          ...draft.nodes.map((n, i) => ({name: `Remove ${n.name}`, value: `remove:${i}`})),
        ]);
        if (action === 'continue') return;
        if (action.startsWith('remove:')) { draft.nodes.splice(Number(action.slice(7)), 1); continue; }
        const index = action === 'add' ? draft.nodes.length : Number(action.slice(5));
        const before: DraftNode = draft.nodes[index] ?? {name: `node${index + 1}`, ip: '', roles: ['worker']};
        // Each answer is checked as it is given (the validator's own check of that field), and a
        // value is offered as the default only while it is valid.
        const problemsOf = (node: DraftNode, field: keyof DraftNode) => {
          const problems = nodeFieldProblems(draft, index, node, field);
          return problems.length ? problems.join('; ') : undefined;
        };
        const offered = (field: 'name' | 'ip') => (problemsOf(before, field) || before[field].trim() === '' ? undefined : before[field]);
        for (;;) {
          const name = await ask.text('Node name (what its kubelet registers as)', offered('name'), answer => problemsOf({...before, name: answer}, 'name'));
          const ip = await ask.text('Node IP', offered('ip'), answer => problemsOf({...before, name, ip: answer}, 'ip'));
          const roles = await ask.checkbox('Roles', ROLES.map(r => ({name: r, value: r as Role, checked: before.roles.includes(r)})), picked => problemsOf({name, ip, roles: picked}, 'roles'));
          const node: DraftNode = {name, ip, roles};
          const problems = nodeProblems(draft, index, node);
          if (problems.length === 0) { draft.nodes[index] = node; break; }
          for (const problem of problems) say(`✗ ${problem}`);
          Object.assign(before, node);
        }
      }
    }]]);

    await step('network', networkLesson, [
      ['network.serviceCIDR', async () => {
        draft.serviceCIDR = await ask.text('Service CIDR', validDefault('network', 'network.serviceCIDR', draft.serviceCIDR), answerCheck('network', 'network.serviceCIDR', answer => ({serviceCIDR: answer})));
        say(serviceIpPreview(draft.serviceCIDR));
      }],
      textField('network', 'network.clusterDomain', 'Cluster domain', 'clusterDomain'),
      ['extraSANs', async () => {
        // Empty is a valid answer here: no extra SANs.
        const valid = errorsOf('network', 'extraSANs', none).length === 0;
        draft.extraSANs = await ask.text('Extra SANs for the apiserver (comma-separated)', valid ? draft.extraSANs : undefined, answerCheck('network', 'extraSANs', answer => ({extraSANs: answer})));
      }],
    ]);

    await step('layout', layoutLesson, [['pki.layout', async () => {
      const value = await ask.select('Layout', LAYOUT_CHOICES.map(c => ({name: layoutChoiceLabel(c), value: c.value, description: c.explanation})), layoutChoiceOf(draft).value);
      Object.assign(draft, chooseLayout(draft, LAYOUT_CHOICES.find(c => c.value === value)!));
    }]]);

    await step('release', releaseLesson, [['kubernetesVersion', async () => {
      const choices = releaseChoices(draft);
      draft.kubernetesVersion = await ask.select('Kubernetes release', choices.map(c => ({name: c.label, value: c.version, description: c.facts.join('\n')})), draft.kubernetesVersion);
      for (const fact of choices.find(c => c.version === draft.kubernetesVersion)?.facts ?? []) say(`  ${fact}`);
    }]]);

    await step('authorities', authoritiesLesson, [['pki.authorities', async () => {
      const note = authoritiesNote(draft, draft.authorities);
      if (note) say(note);
      draft.authorities = await ask.select('CA topology', AUTHORITY_TOPOLOGIES.map(t => ({
        name: t, value: t,
        description: signingSummary(t, draft.layout).map(s => `${s.authority} signs: ${s.certificates.join(', ')}`).join('\n'),
      })), draft.authorities);
      for (const s of signingSummary(draft.authorities, draft.layout)) say(`  ${s.authority} signs: ${s.certificates.join(', ')}`);
    }]]);

    await step('keys', keysLesson, [
      ['pki.key', async () => { draft.key = await ask.select('Key type', KEY_TYPES.map(k => ({name: k, value: k})), draft.key); }],
      textField('keys', 'pki.validity.ca', 'CA validity (87600h, 3650d, 10y)', 'caValidity'),
      textField('keys', 'pki.validity.certificate', 'Certificate validity', 'certificateValidity'),
    ]);

    const outputCheck: Extra = d => outputErrors(d, deps.checkOut);
    await step('output', outputLesson, [
      textField('output', 'out', 'Output directory', 'out', outputCheck),
      textField('output', 'ssh.user', 'SSH user', 'sshUser'),
      // Root installs into /etc directly; any other user is asked whether distribute.sh uses sudo.
      ['ssh.sudo', async () => {
        if (draft.sshUser.trim() === 'root') return;
        draft.sshSudo = await ask.select('Install on the nodes with sudo (the user needs sudo without a password)?', [
          {name: 'yes: copy to a private directory, then sudo -n install (owner root)', value: true},
          {name: 'no', value: false},
        ], draft.sshSudo);
        const warning = sshWarning({user: draft.sshUser.trim(), sudo: draft.sshSudo});
        if (warning) say(`warning: ${warning}`);
      }],
      ['monitoring.expiry', async () => {
        say(expiryMonitoringLesson);
        draft.monitoringExpiry = await ask.select('Expiry monitoring on every node?', [
          {name: 'no', value: false},
          {name: 'yes: a daily check + timer on each node writing node_exporter metrics, a PrometheusRule in OUT/monitoring/', value: true},
        ], draft.monitoringExpiry);
      }],
    ], outputCheck);

    const result = validateDraft(draft);
    if (!result.ok) {
      for (const [path, message] of Object.entries(issuesByField(result.issues))) say(`✗ ${path}: ${message}`);
      return {code: 1};
    }
    const plan = buildPlan(result.spec);
    // Sized to the terminal when the output is one; full width into a log or a pipe.
    const columns = (output as {isTTY?: boolean; columns?: number}).isTTY ? (output as {columns?: number}).columns : undefined;
    say(`\n${renderPlanTable(plan, columns)}\n`);
    for (const line of [...planSummary(plan), caKeyHolders(plan), ...plan.warnings.map(w => `warning: ${w}`)]) say(line);
    const go = await ask.select('Generate these files now?', [{name: 'Generate', value: true}, {name: 'Quit without writing', value: false}]);
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
  } finally {
    liner?.close();
  }
}
