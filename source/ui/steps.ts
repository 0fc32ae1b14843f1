import type {Draft} from '../interview/draft.js';
import type {WizardState} from '../interview/flow.js';

export interface StepProps {
  state: WizardState;
  edit: (change: Partial<Draft>) => void;
  next: (extraErrors?: Record<string, string>) => void;
  back: () => void;
}

/** Form's onChange for a step: each field key (the validator's path) writes the draft field it maps to. */
export const editsDraft = (edit: StepProps['edit'], fields: Record<string, keyof Draft>) =>
  (key: string, value: string) => edit({[fields[key]!]: value} as Partial<Draft>);
