// "Rotate a CA" on the wizard opened on OUT: the three phases as a timeline, where OUT stands, what
// the next step will change (build/rotation-timeline.ts says all of it), and the step run by the
// same function as `kubepki rotate OUT STEP`. Its report, restart steps included, is shown after.
import React, {useRef, useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {timelineDrawing, type RotationStep, type RotationSubject, type RotationTimeline, type StepChange} from '../build/rotation-timeline.js';
import {wrapText} from '../text/wrap.js';
import {Menu} from './Menu.js';
import {Screen, screenTitle} from './Screen.js';
import {ScrollView} from './TableWindow.js';
import {useTerminalSize} from './use-terminal-size.js';

export const rotateLesson = 'A CA is replaced in three phases, each a complete OUT to distribute: nodes trust old and new, then the new one signs, then only the new one is trusted. No request fails when the restarts follow each phase.';

const FOOTERS = {
  choose: '↑/↓: choose · Enter: select · Esc: back',
  timeline: '↑/↓: choose · Enter: select · d: all it changes · Esc: back',
  confirm: 'y: yes, run it · n or Esc: no',
  running: 'Ctrl+C: stop (the output directory is left as it was)',
  report: '↑/↓ PgUp/PgDn: scroll · Enter or Esc: back to the timeline',
} as const;

type View =
  | {kind: 'timeline'}
  /** Everything the next step changes, scrolled (the timeline shows what fits). */
  | {kind: 'details'}
  | {kind: 'confirm'; step: RotationStep; change: StepChange}
  | {kind: 'running'; step: RotationStep}
  | {kind: 'report'; step: RotationStep; report: string}
  | {kind: 'failed'; step: RotationStep; error: string};

interface Props {
  /** The screen's first line: `kubepki · Updating OUT · …`. */
  context: string;
  out: string;
  /** What can be rotated (rotation-timeline.ts rotationSubjects). */
  subjects: {id: RotationSubject; label: string}[];
  /** The timeline of OUT as it is now, for the subject chosen (a rotation under way names its own). */
  timeline: (chosen: RotationSubject | undefined) => RotationTimeline;
  /** Runs a step (the wizard's deps: commands/rotate.ts runRotationStep) and re-reads OUT; resolves with its report. */
  runStep: (step: RotationStep, subject: RotationSubject) => Promise<string>;
  onBack: () => void;
}

const stepTitle = (step: RotationStep) => (step === 'abort' ? 'abort the rotation' : step);

export function RotateStep({context, out, subjects, timeline, runStep, onBack}: Props) {
  const {columns, rows} = useTerminalSize();
  const width = Math.max(20, columns - 1);
  const [chosen, setChosen] = useState<RotationSubject>();
  const [view, setView] = useState<View>({kind: 'timeline'});
  const now = timeline(chosen);
  const {subject} = now;

  // A second y before the screen changed (keys in separate chunks) must not run the step twice.
  const running = useRef(false);
  const run = (step: RotationStep) => {
    if (running.current) return;
    running.current = true;
    setView({kind: 'running', step});
    runStep(step, subject!).finally(() => { running.current = false; }).then(
      report => {
        // A finished or aborted rotation leaves nothing under way: the next one starts with a choice.
        if (step === 'abort' || step === 'finish') setChosen(undefined);
        setView({kind: 'report', step, report});
      },
      (error: Error & {lines?: string[]}) => setView({kind: 'failed', step, error: error.lines?.join('; ') ?? error.message}),
    );
  };

  useInput((input, key) => {
    if (view.kind === 'confirm') {
      if (input === 'y') run(view.step);
      else if (input === 'n' || key.escape) setView({kind: 'timeline'});
    } else if (view.kind === 'timeline' || view.kind === 'failed') {
      if (input === 'd' && now.next) setView({kind: 'details'});
      else if (key.escape) {
        if (chosen && !now.underWay) setChosen(undefined);
        else onBack();
      }
    }
  });

  // The lesson on the first view only: the timeline needs the rows of an 80×24 terminal.
  const screen = (footer: string, body: React.ReactNode, lesson?: string) => (
    <Screen title="Rotate a CA" context={context} lesson={lesson} footer={footer}>{body}</Screen>
  );
  const title = screenTitle({title: 'Rotate a CA', context});
  /** Lines the screen around a body takes: its title, the margin, the footer and its margin. */
  const chrome = (footer: string) => wrapText(title, columns).length + 1 + 1 + wrapText(footer, columns).length;
  const wrapped = (text: string) => wrapText(text, width);
  const bullets = (lines: string[]) => lines.flatMap(line => wrapText(line, width - 4).map((l, i) => `${i === 0 ? '  • ' : '    '}${l}`));

  if (view.kind === 'report' || view.kind === 'details') {
    const text = view.kind === 'report' ? view.report.trimEnd().split('\n') : [nextTitle(now), ...bullets(now.next?.lines ?? [])];
    const lines = text.flatMap(line => wrapped(line)).map(line => ({text: line}));
    return screen(FOOTERS.report, <ScrollView lines={lines} height={Math.max(6, rows - chrome(FOOTERS.report))} closeKey={view.kind === 'details' ? 'd' : undefined} closeLabel="back to the timeline" onClose={() => setView({kind: 'timeline'})} />);
  }
  if (view.kind === 'running') {
    return screen(FOOTERS.running, <Text>Running {stepTitle(view.step)} on {out}…</Text>);
  }
  if (view.kind === 'confirm') {
    return screen(FOOTERS.confirm, (
      <Box flexDirection="column">
        <Text bold>{view.step === 'abort' ? `Abort the rotation of ${subject} in ${out}?` : `Run ${view.step} (phase ${now.done + 1} of 3) for ${subject} in ${out}?`}</Text>
        {bullets(view.change.lines).map((line, i) => <Text key={i}>{line}</Text>)}
      </Box>
    ));
  }

  if (!subject) {
    return screen(FOOTERS.choose, (
      <Box flexDirection="column">
        {wrapped(now.position).map((line, i) => <Text key={i}>{line}</Text>)}
        <Menu items={subjects.map(s => ({key: s.id, label: s.label, value: s.id}))} onSelect={item => setChosen(item.value)} />
      </Box>
    ), rotateLesson);
  }

  const actions: {label: string; value: 'next' | 'abort' | 'back'}[] = [
    ...(now.next ? [{label: `Run ${now.next.step} (phase ${now.done + 1} of 3)`, value: 'next' as const}] : []),
    ...(now.abort ? [{label: `Abort: ${now.abortTo}`, value: 'abort' as const}] : []),
    {label: chosen && !now.underWay ? 'Back: choose another' : 'Back', value: 'back'},
  ];
  // What the next step changes, cut to the rows left (d shows all of it): the drawing, the menu and the rest stay.
  const position = wrapped(now.position);
  const heading = now.next ? wrapped(nextTitle(now)) : [];
  const failure = view.kind === 'failed' ? wrapped(`✗ ${stepTitle(view.step)}: ${view.error}`) : [];
  const changes = bullets(now.next?.lines ?? []);
  const room = rows - chrome(FOOTERS.timeline) - 3 - 1 - position.length - heading.length - failure.length - 1 - actions.length - 1;
  const shown = changes.length > room ? changes.slice(0, Math.max(1, room - 1)) : changes;
  const more = changes.length - shown.length;
  return screen(FOOTERS.timeline, (
    <Box flexDirection="column">
      <Box flexDirection="column" marginLeft={2} marginBottom={1}>
        {timelineDrawing(now).map((line, i) => <Text key={i} wrap="truncate">{line}</Text>)}
      </Box>
      {position.map((line, i) => <Text key={`p${i}`}>{line}</Text>)}
      {heading.map((line, i) => <Text key={`h${i}`} bold>{line}</Text>)}
      {shown.map((line, i) => <Text key={`n${i}`}>{line}</Text>)}
      {more ? <Text dimColor>{`  … ${more} more line${more > 1 ? 's' : ''}: d to read all`}</Text> : null}
      {failure.map((line, i) => <Text key={`f${i}`} color="red">{line}</Text>)}
      <Box marginTop={1}>
        <Menu key={`${subject}:${now.done}`} items={actions} onSelect={item => {
          if (item.value === 'back') return chosen && !now.underWay ? setChosen(undefined) : onBack();
          const change = item.value === 'next' ? now.next! : now.abort!;
          setView({kind: 'confirm', step: change.step, change});
        }} />
      </Box>
    </Box>
  ));
}

const nextTitle = (timeline: RotationTimeline) => `Next, ${timeline.next!.step}: ${timeline.phases[timeline.done]!.does}. It will change:`;
