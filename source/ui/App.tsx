import React, {useEffect, useMemo, useReducer, useRef, useState} from 'react';
import {useApp, useInput} from 'ink';
import {buildPlan} from '../plan/plan.js';
import type {BuildReport} from '../build/index.js';
import type {FrontEndDeps} from '../interview/checks.js';
import {AuthoritiesStep} from './AuthoritiesStep.js';
import {ClusterStep} from './ClusterStep.js';
import {DoneStep} from './DoneStep.js';
import type {Draft} from '../interview/draft.js';
import {STEPS, STEP_TITLES, initialState, wizardReducer} from '../interview/flow.js';
import {GenerateStep, type Progress} from './GenerateStep.js';
import {KeysStep} from './KeysStep.js';
import {LayoutStep} from './LayoutStep.js';
import {NetworkStep} from './NetworkStep.js';
import {NodesStep} from './NodesStep.js';
import {OutputStep} from './OutputStep.js';
import {PLAN_FOOTER, PlanStep} from './PlanStep.js';
import {ReleaseStep} from './ReleaseStep.js';
import {Screen, screenTitle} from './Screen.js';
import {StartStep} from './StartStep.js';
import {CheckStep} from './CheckStep.js';
import {checkLesson, defaultCheckPath, startLesson} from '../interview/check.js';
import type {InspectReport} from '../inspect/types.js';
import {AddUserStep} from './AddUserStep.js';
import {UpdatePlanStep, updateFooter} from './UpdatePlanStep.js';
import {UpdateDoneStep} from './UpdateDoneStep.js';
import {OpenOutStep} from './OpenOutStep.js';
import {openOut, openOutLesson, planDiff, recheckOut, sameOut, updateLesson, updateOutcome, updateOutHint, updatingTitle, type DiffFilter, type OpenedOut} from '../interview/update.js';
import {draftFromSpec} from '../interview/draft.js';
import type {Manifest} from '../output/manifest.js';
import type {AddUserRequest, UserResult} from '../build/users.js';
import {RotateStep} from './RotateStep.js';
import {rotationSubjects, rotationTimeline, type RotationStep} from '../build/rotation-timeline.js';
import {authoritiesLesson, clusterLesson, keysLesson, layoutLesson, networkLesson, nodesLesson, outputLesson, planLesson, releaseLesson} from '../interview/lessons.js';

/** I/O the wizard needs, injected so tests can run it without touching real paths. */
export type WizardDeps = FrontEndDeps & {
  inspect?: (paths: string[]) => InspectReport;
  /** `kubepki user add` (build/users.ts addUser) unless a test gives another. */
  addUser?: (out: string, request: AddUserRequest) => Promise<UserResult>;
  /** A step of a CA rotation, as `kubepki rotate OUT STEP` runs it (commands/rotate.ts runRotationStep); the wizard on OUT offers "Rotate a CA" when given. */
  rotate?: (out: string, step: RotationStep, options: {authority?: string}) => Promise<{report: string}>;
};

/** `before`: an update's result, with the manifest the engine found in OUT (to say what changed). */
export type WizardOutcome = {code: 0; result: BuildReport; before?: Manifest} | {code: 130} | {code: 1; error: string}
  /** The user checked an existing PKI: the report to print, exit 1 when it found problems. */
  | {code: 0 | 1; inspected: InspectReport | undefined};

const FOOTERS = {
  form: 'Enter: next · ↑/↓: move · Esc: back · Ctrl+C: quit',
  /** The first step: Esc leads back to the first screen when there is one, else nowhere. */
  firstFromStart: 'Enter: next · ↑/↓: move · Esc: back to the first screen · Ctrl+C: quit',
  first: 'Enter: next · ↑/↓: move · Ctrl+C: quit',
  nodes: '↑/↓ Home/End: select · Enter/e: edit · a: add · d: delete · u: undo · Esc: back · Ctrl+C: quit',
  select: '↑/↓: choose · Enter: select · Esc: back · Ctrl+C: quit',
  plan: PLAN_FOOTER,
  generate: 'Ctrl+C: stop (nothing is left behind)',
  updating: 'Ctrl+C: stop (the output directory is left as it was)',
  done: 'u: add a user · Enter, q or Esc: quit and print every command',
  user: 'Enter: next (on the last field: add) · ↑/↓: move · ←/→: choice · Esc: back',
  start: '↑/↓: choose · Enter: select · Ctrl+C: quit',
  checkPath: 'Enter: check · Esc: back · Ctrl+C: quit',
  openPath: 'Enter: open · Esc: back · Ctrl+C: quit',
  check: '↑/↓: move · Enter: problems and why · m: broken arrows · q: quit, print the report · Esc: other path',
} as const;

/** The root: owns the step state and the one exit() call. */
/** `opened`: the wizard on an existing OUT (`kubepki OUT`): its plan is shown and applied as an update of OUT. */
export function App({initial, deps, onOutcome, choose = false, opened}: {initial: Draft; deps: WizardDeps; onOutcome: (o: WizardOutcome) => void; choose?: boolean; opened?: OpenedOut}) {
  const {exit} = useApp();
  // The first screen (plan or check) is shown when the wizard starts without a config to plan from.
  const [mode, setMode] = useState<'start' | 'plan' | 'check' | 'update'>(choose ? 'start' : 'plan');
  // The first screen's "update": the wizard again, on the directory opened (as `kubepki OUT`).
  const [reopened, setReopened] = useState<OpenedOut>();
  const [checked, setChecked] = useState(false);
  const [state, dispatch] = useReducer(wizardReducer, initial, draft => initialState(draft, opened?.spec));
  const [progress, setProgress] = useState<Progress>({done: 0, total: 0, item: '', startedAt: Date.now()});
  const [result, setResult] = useState<BuildReport>();
  const finished = useRef(false);
  const plan = useMemo(() => (state.spec ? buildPlan(state.spec) : undefined), [state.spec]);
  // OUT as the plan is shown against: read again when g is pressed (another run may have written it).
  const [current, setCurrent] = useState(opened);
  const diff = useMemo(() => (current && plan ? planDiff(plan, current) : undefined), [plan, current]);
  const [addingUser, setAddingUser] = useState(false);
  const [rotating, setRotating] = useState(false);
  // A rotation acts on OUT as written: the plan of its cluster.yaml, not the draft being edited.
  const outPlan = useMemo(() => (current ? buildPlan(current.spec) : undefined), [current]);
  // The update plan's rows: all, or what generating changes (the footer names what f shows next).
  const [filter, setFilter] = useState<DiffFilter>('all');

  const finish = (outcome: WizardOutcome) => {
    if (finished.current) return;
    finished.current = true;
    onOutcome(outcome);
    exit();
  };

  useInput((input, key) => {
    if (key.ctrl && input === 'c' && !reopened) finish({code: 130});
  });

  useEffect(() => {
    if (state.step !== 'generate' || !plan) return;
    const startedAt = Date.now();
    setProgress({done: 0, total: plan.keyCount, item: '', startedAt});
    // The plan the user was shown is the plan that is built.
    deps.generate(plan, state.draft.out.trim(), e => setProgress({...e, startedAt}), current ? {update: true, expectManifest: current.existing.manifest} : undefined)
      .then(r => { setResult(r); dispatch({type: 'generated'}); })
      .catch((error: Error & {lines?: string[]}) => {
        // Back on the plan, against OUT as it is now (the engine may have refused a changed OUT).
        if (current) setCurrent(recheckOut(current, plan).fresh ?? current);
        dispatch({type: 'failed', message: error.lines?.join('; ') ?? error.message});
      });
  }, [state.step]);

  const props = {
    state,
    edit: (change: Partial<Draft>) => dispatch({type: 'edit', change}),
    next: (extraErrors?: Record<string, string>) => dispatch({type: 'next', extraErrors}),
    back: () => (state.step === 'cluster' && choose ? setMode('start') : dispatch({type: 'back'})),
  };
  const n = STEPS.indexOf(state.step) + 1;
  // On OUT every screen's first line says which directory is being updated.
  const titled = {step: n, total: STEPS.length, title: STEP_TITLES[state.step], context: opened ? updatingTitle(opened) : undefined};
  const screen = (lesson: string | undefined, footer: string, body: React.ReactNode) => (
    <Screen {...titled} lesson={lesson} footer={footer}>{body}</Screen>
  );

  if (mode === 'start') {
    return (
      <Screen title="What would you like to do?" lesson={startLesson} footer={FOOTERS.start}>
        <StartStep onChoose={choice => setMode(choice)} />
      </Screen>
    );
  }
  if (reopened) return <App initial={draftFromSpec(reopened.spec, reopened.dir)} deps={deps} onOutcome={onOutcome} opened={reopened} />;
  if (mode === 'update') {
    return (
      <Screen title="Update an existing output directory" lesson={openOutLesson} footer={FOOTERS.openPath}>
        <OpenOutStep
          initialPath={initial.out}
          open={path => {
            try {
              setReopened(openOut(path));
              return undefined;
            } catch (error) {
              return (error as Error & {lines?: string[]}).lines?.join('; ') ?? (error as Error).message;
            }
          }}
          onBack={() => setMode('start')}
        />
      </Screen>
    );
  }
  if (mode === 'check') {
    return (
      <Screen title="Check an existing PKI" lesson={checked ? undefined : checkLesson} footer={checked ? FOOTERS.check : FOOTERS.checkPath}>
        <CheckStep
          initialPath={defaultCheckPath()}
          inspect={async path => {
            // The reader loads only when asked for: the first frame waits for Ink alone.
            const inspect = deps.inspect ?? (await import('../inspect/inspect.js')).inspectPaths;
            setChecked(true);
            return inspect([path]);
          }}
          mapBroken={async (report, columns) => (await import('../interview/broken-connections.js')).brokenConnections(report, columns)}
          onBack={() => setMode('start')}
          onQuit={report => finish({code: report?.problems ? 1 : 0, inspected: report})}
        />
      </Screen>
    );
  }

  if (addingUser && (state.step === 'plan' || state.step === 'done')) {
    const out = state.step === 'done' ? result!.out : opened!.dir;
    // As `kubepki user add` does: under OUT's lock, so a command in another shell cannot lose it.
    const addUser = deps.addUser ?? (async (dir: string, request: AddUserRequest) => {
      const [{asOwnerOf}, users] = await Promise.all([import('../build/owned.js'), import('../build/users.js')]);
      return asOwnerOf(dir, {}, () => users.addUser(dir, request));
    });
    return (
      <Screen title="Add a user (kubectl access)" lesson="A user is a client certificate: its CN is the name, each O a group that RBAC binds to rights." footer={FOOTERS.user}>
        <AddUserStep out={out} defaultValidity={plan!.spec.pki.validity.certificate} addUser={addUser} onDone={() => setAddingUser(false)} />
      </Screen>
    );
  }
  if (rotating && current && outPlan && deps.rotate) {
    const rotate = deps.rotate;
    return (
      <RotateStep context={updatingTitle(current)} out={current.dir} subjects={rotationSubjects(outPlan)}
        timeline={chosen => rotationTimeline(outPlan, current.existing.manifest, chosen)}
        runStep={async (step, subject) => {
          try {
            return (await rotate(current.dir, step, {authority: subject})).report;
          } finally {
            // OUT as the step left it (written or refused): the timeline and the update's plan read it again.
            setCurrent(openOut(current.dir));
          }
        }}
        onBack={() => setRotating(false)} />
    );
  }
  if (opened && state.step === 'plan') {
    return screen(updateLesson, updateFooter(diff!, filter, deps.rotate !== undefined), (
      <UpdatePlanStep diff={diff!} warnings={plan!.warnings} failure={state.failure} filter={filter} onFilter={setFilter} title={screenTitle(titled)}
        onGenerate={() => {
          const check = recheckOut(current!, plan!);
          if (check.fresh) setCurrent(check.fresh);
          if (check.ok) props.next();
          else dispatch({type: 'failed', message: check.reason});
        }} onBack={props.back} onAddUser={() => setAddingUser(true)}
        onRotate={deps.rotate ? () => setRotating(true) : undefined} />
    ));
  }
  if (opened && state.step === 'done') {
    // What the engine did, from its report: against the manifest it found in OUT, not the one read when the wizard opened.
    return screen(undefined, FOOTERS.done, <UpdateDoneStep out={result!.out} outcome={updateOutcome(result!)} onExit={() => finish({code: 0, result: result!, before: result!.before!})} onAddUser={() => setAddingUser(true)} />);
  }

  switch (state.step) {
    case 'cluster': return screen(clusterLesson, choose ? FOOTERS.firstFromStart : FOOTERS.first, <ClusterStep {...props} />);
    case 'nodes': return screen(nodesLesson, FOOTERS.nodes, <NodesStep {...props} />);
    case 'network': return screen(networkLesson, FOOTERS.form, <NetworkStep {...props} />);
    case 'authorities': return screen(authoritiesLesson, FOOTERS.select, <AuthoritiesStep {...props} />);
    case 'keys': return screen(keysLesson, FOOTERS.form, <KeysStep {...props} />);
    case 'layout': return screen(layoutLesson, FOOTERS.select, <LayoutStep {...props} />);
    case 'release': return screen(releaseLesson, FOOTERS.select, <ReleaseStep {...props} />);
    case 'output': return screen(outputLesson, FOOTERS.form, <OutputStep {...props} checkOut={opened ? out => sameOut(opened, out) : deps.checkOut} outHint={opened ? updateOutHint : undefined} />);
    case 'plan': return screen(planLesson, FOOTERS.plan, <PlanStep plan={plan!} failure={state.failure} onGenerate={() => props.next()} onBack={props.back} />);
    case 'generate': return screen(undefined, opened ? FOOTERS.updating : FOOTERS.generate, <GenerateStep progress={progress} out={state.draft.out} updating={opened !== undefined} />);
    case 'done': return screen(undefined, FOOTERS.done, <DoneStep result={result!} title={screenTitle(titled)} footer={FOOTERS.done} onExit={() => finish({code: 0, result: result!})} onAddUser={() => setAddingUser(true)} />);
  }
}
