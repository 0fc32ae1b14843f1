// The wizard's select questions whose answers carry more than one field, and what each answer
// proposes for the questions after it. Shared by the Ink wizard and plain mode; no React here.
import {SIGNER_FOR, TRUST_READERS} from '../plan/catalog.js';
import {layoutExample, type TrustSlot} from '../plan/layouts.js';
import {knownReleases, releaseChanges, releaseFacts} from '../plan/releases.js';
import {releaseOf} from '../plan/release-table.js';
import {DEFAULT_KUBERNETES_VERSION, type AuthorityTopology, type KubeadmFlow, type Layout} from '../spec/types.js';
import type {Draft} from './draft.js';
import {flowLessons, hardWayLayoutLesson, hardWaySingleLesson} from './lessons.js';

/** The layout question: kubeadm (in one of its two flows) or The Hard Way. */
export interface LayoutChoice {
  value: string;
  layout: Layout;
  flow: KubeadmFlow;
  label: string;
  explanation: string;
}

export const LAYOUT_CHOICES: LayoutChoice[] = [
  {value: 'kubeadm', layout: 'kubeadm', flow: 'shared-ca', label: 'kubeadm, shared CA', explanation: flowLessons['shared-ca']},
  {value: 'kubeadm/external-ca', layout: 'kubeadm', flow: 'external-ca', label: 'kubeadm, external CA', explanation: flowLessons['external-ca']},
  {value: 'hard-way', layout: 'hard-way', flow: 'shared-ca', label: 'hard-way', explanation: hardWayLayoutLesson},
];

/** A row of the layout menu: the choice and an example path, or the choice alone where the row would not fit in `width`. */
export const layoutChoiceLabel = (c: LayoutChoice, width = Infinity) => {
  const full = `${c.label.padEnd(21)} e.g. ${layoutExample(c.layout)}`;
  return full.length <= width ? full : c.label;
};

export const layoutChoiceOf = (draft: Pick<Draft, 'layout' | 'kubeadmFlow'>): LayoutChoice =>
  LAYOUT_CHOICES.find(c => c.layout === draft.layout && (c.layout === 'hard-way' || c.flow === draft.kubeadmFlow))!;

/**
 * The answer to the layout question. Choosing hard-way proposes The Hard Way's single CA (its
 * units read one ca.crt for everything); the authorities question comes next and says why.
 */
export function chooseLayout(draft: Pick<Draft, 'layout' | 'authorities'>, choice: LayoutChoice): Partial<Draft> {
  const change: Partial<Draft> = {layout: choice.layout, kubeadmFlow: choice.flow};
  if (choice.layout === 'hard-way' && draft.layout !== 'hard-way') change.authorities = 'single';
  return change;
}

/**
 * Said on the authorities question: why single is proposed, or what leaving it changes. The units
 * kubepki writes already point each reader at its own CA (from the catalog's TRUST_READERS): the
 * note names those flags, where The Hard Way's own units read ca.crt.
 */
export function authoritiesNote(draft: Pick<Draft, 'layout'>, highlighted: AuthorityTopology): string | undefined {
  if (draft.layout !== 'hard-way') return undefined;
  if (highlighted === 'single') return hardWaySingleLesson;
  const signers = SIGNER_FOR[highlighted];
  const readers = (Object.keys(signers) as TrustSlot[]).filter(slot => signers[slot] !== 'ca').map(slot =>
    `${TRUST_READERS[slot].cert.map(r => `${r.component} ${r.flag}`).join(', ')} read ${signers[slot]}`);
  return `${hardWaySingleLesson} With ${highlighted}, the units kubepki writes already carry the other CA${readers.length > 1 ? 's' : ''}: ${readers.join('; ')} (where The Hard Way's own units read ca.crt).`;
}

/** The version question: each known release with what it changes, from the catalog's tables. */
export interface ReleaseChoice {
  version: string;
  label: string;
  /** What the files look like with this release, one line each. */
  facts: string[];
}

/** Said under the list when no release changes anything in this layout (The Hard Way's identities). */
export function releaseNote(draft: Pick<Draft, 'layout' | 'kubernetesVersion'>): string | undefined {
  const versions = knownReleases(draft.kubernetesVersion).map(releaseOf);
  const changing = versions.some((v, i) => releaseChanges(draft.layout, versions[i - 1], v).length > 0);
  return changing ? undefined : `In the ${draft.layout} layout none of these files changes from one release to the next.`;
}

export function releaseChoices(draft: Pick<Draft, 'layout' | 'kubernetesVersion'>): ReleaseChoice[] {
  const versions = knownReleases(draft.kubernetesVersion);
  return versions.map((version, i) => {
    const release = releaseOf(version);
    const changes = releaseChanges(draft.layout, i > 0 ? releaseOf(versions[i - 1]!) : undefined, release).map(c => c.topic);
    const notes = [
      ...(version === DEFAULT_KUBERNETES_VERSION ? ['default: the release kubepki is tested with'] : []),
      ...(changes.length ? [`changes ${changes.join(', ')}`] : []),
    ];
    return {
      version,
      label: `${version.padEnd(8)}${notes.length ? `  ${notes.join('; ')}` : ''}`,
      facts: releaseFacts(draft.layout, release).map(f => `${f.topic}: ${f.value}`),
    };
  });
}
