import React, {useState} from 'react';
import {Box, Text, useInput} from 'ink';
import {Menu} from './Menu.js';
import {signingSummary} from '../plan/catalog.js';
import {authoritiesNote} from '../interview/choices.js';
import {AUTHORITY_TOPOLOGIES, type AuthorityTopology} from '../spec/types.js';
import type {StepProps} from './steps.js';
import {Paragraph} from './Paragraph.js';


const LABELS: Record<AuthorityTopology, string> = {
  single: 'single — one CA signs everything',
  'etcd-separate': 'etcd-separate — a second CA just for etcd',
  kubeadm: 'kubeadm — three CAs: cluster, etcd, front proxy (kubeadm\'s default)',
};

export function AuthoritiesStep({state, edit, next, back}: StepProps) {
  const [highlighted, setHighlighted] = useState<AuthorityTopology>(state.draft.authorities);
  useInput((_input, key) => { if (key.escape) back(); });
  const items = AUTHORITY_TOPOLOGIES.map(t => ({key: t, label: LABELS[t], value: t}));
  const note = authoritiesNote(state.draft, highlighted);
  return (
    <Box flexDirection="column">
      <Menu
        items={items}
        initialIndex={AUTHORITY_TOPOLOGIES.indexOf(state.draft.authorities)}
        onHighlight={item => setHighlighted(item.value)}
        onSelect={item => { edit({authorities: item.value}); next(); }}
      />
      <Box marginTop={1} flexDirection="column">
        {signingSummary(highlighted, state.draft.layout).map(({authority, certificates}) => (
          <Text key={authority} wrap="wrap"><Text bold>{authority}</Text> signs: {certificates.join(', ')}</Text>
        ))}
      </Box>
      {note ? <Box marginTop={1}><Paragraph text={note} /></Box> : null}
    </Box>
  );
}
