import React, {useEffect, useMemo, useState} from 'react';
import {Box, Text, useInput, useStdout} from 'ink';
import type {BrokenConnections} from '../interview/broken-connections.js';
import {checkPathError, checkRowDetails, checkRows, checkSummary} from '../interview/check.js';
import type {InspectReport} from '../inspect/types.js';
import {printable} from '../spec/quote.js';
import {Form} from './Form.js';
import {ScrollView} from './TableWindow.js';

const MARK = {ok: 'ok', warning: 'warning', problem: 'PROBLEM'} as const;
const COLOR = {ok: 'green', warning: 'yellow', problem: 'red'} as const;

interface Props {
  initialPath: string;
  inspect: (path: string) => Promise<InspectReport>;
  /** The trust map's broken arrows for a report, drawn within `columns` (loaded with the reader). */
  mapBroken: (report: InspectReport, columns: number) => Promise<BrokenConnections>;
  onBack: () => void;
  onQuit: (report: InspectReport | undefined) => void;
}

/** A path, then one row per certificate with its verdict, then one certificate's findings and why. */
export function CheckStep({initialPath, inspect, mapBroken, onBack, onQuit}: Props) {
  const {stdout} = useStdout();
  const width = Math.max(40, (stdout?.columns ?? 80) - 1);
  const height = stdout?.rows ?? 24;
  const [path, setPath] = useState(initialPath);
  const [error, setError] = useState<string>();
  const [report, setReport] = useState<InspectReport>();
  const [cursor, setCursor] = useState(0);
  const [details, setDetails] = useState(false);
  const [map, setMap] = useState(false);
  const [reading, setReading] = useState(false);
  const rows = useMemo(() => (report ? checkRows(report) : []), [report]);
  const windowSize = Math.max(3, height - 10);
  // The map's broken arrows, drawn as `kubepki map --inspect` does, for the map view on m.
  const [broken, setBroken] = useState<BrokenConnections>();
  useEffect(() => {
    setBroken(undefined);
    if (!report) return;
    let current = true;
    void mapBroken(report, width).then(b => { if (current) setBroken(b); });
    return () => { current = false; };
  }, [report, width]);
  const brokenCount = broken?.count ?? 0;

  useInput((input, key) => {
    if (!report) return;
    if (map) return; // the map view reads its own keys
    if (details) {
      if (key.escape || key.return) setDetails(false);
      return;
    }
    if (key.escape) { setReport(undefined); return; }
    if (input === 'q') return onQuit(report);
    if (input === 'm' && broken) return setMap(true);
    if (key.upArrow) return setCursor(c => Math.max(0, c - 1));
    if (key.downArrow) return setCursor(c => Math.min(rows.length - 1, c + 1));
    if (key.pageUp) return setCursor(c => Math.max(0, c - windowSize));
    if (key.pageDown) return setCursor(c => Math.min(rows.length - 1, c + windowSize));
    if (key.return && rows.length) setDetails(true);
  }, {isActive: report !== undefined});

  if (reading) return <Text>Reading {path.trim()}…</Text>;
  if (!report) {
    return (
      <Form
        fields={[{kind: 'text', key: 'path', label: 'Directory or file', value: path, hint: 'e.g. /etc/kubernetes, ~/k8s-cluster/certs, a kubepki output directory'}]}
        errors={error ? {path: error} : {}}
        onChange={(_key, value) => { setPath(value); setError(undefined); }}
        onBack={onBack}
        onSubmit={() => {
          const problem = checkPathError(path);
          if (problem) return setError(problem);
          setCursor(0);
          setReading(true);
          inspect(path.trim())
            .then(r => setReport(r), (e: Error) => setError(e.message))
            .finally(() => setReading(false));
        }}
      />
    );
  }

  if (map && broken) {
    // The title, the footer and their margins around it; one line spare.
    const lines = broken.count === 0 ? [{text: 'No connection of the trust map is broken: every arrow checks out.', tone: 'title' as const}] : broken.text.split('\n').map((text, i) => ({text: text || ' ', ...(i === 0 ? {tone: 'title' as const} : /\bBROKEN\b/.test(text) ? {tone: 'error' as const} : {})}));
    return <ScrollView lines={lines} height={Math.max(4, height - 7)} closeKey="m" onClose={() => setMap(false)} />;
  }

  if (details) {
    const view = checkRowDetails(report, rows[cursor]!);
    const label = Math.max(0, ...view.facts.map(([l]) => l.length));
    return (
      <Box flexDirection="column" width={width}>
        <Text bold wrap="wrap">{view.title}</Text>
        {view.facts.map(([l, v]) => (
          <Box key={l}>
            <Box width={label + 2} flexShrink={0}><Text color="cyan">{l}</Text></Box>
            <Text wrap="wrap">{v}</Text>
          </Box>
        ))}
        {view.findings.length === 0 ? <Text color="green">✓ nothing wrong with it</Text> : null}
        {view.findings.map((f, i) => (
          <Box key={i} flexDirection="column" marginTop={1}>
            <Text color={COLOR[f.severity]} wrap="wrap">{f.severity === 'problem' ? '✗' : '⚠'} {f.message}</Text>
            {f.why ? <Text dimColor wrap="wrap">  why: {f.why}</Text> : null}
          </Box>
        ))}
        <Text dimColor>Esc or Enter: back to the list</Text>
      </Box>
    );
  }

  // Names come from the files read: shown escaped, as the printed report shows them.
  const fileWidth = Math.min(Math.max(4, ...rows.map(r => printable(r.file).length)), Math.floor(width / 2));
  const start = Math.max(0, Math.min(cursor - Math.floor(windowSize / 2), rows.length - windowSize));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">{path.trim()}: {checkSummary(report)}</Text>
      {rows.length === 0 ? <Text>No certificates, keys or kubeconfigs found here.</Text> : null}
      {rows.slice(start, start + windowSize).map((row, i) => (
        <Text key={row.file} inverse={start + i === cursor} wrap="truncate">
          {start + i === cursor ? '› ' : '  '}<Text color={COLOR[row.verdict]}>{MARK[row.verdict].padEnd(8)}</Text>{printable(row.file).padEnd(fileWidth).slice(0, fileWidth)}  {printable(row.label)}
        </Text>
      ))}
      {rows.length ? <Text dimColor wrap="truncate">row {cursor + 1} of {rows.length}{brokenCount ? ` · ✗ ${brokenCount} connection${brokenCount > 1 ? 's' : ''} of the trust map broken: m to see ${brokenCount > 1 ? 'them' : 'it'}` : ''}</Text> : null}
    </Box>
  );
}
