import type {Draft} from './draft.js';
import type {WizardState} from './flow.js';

export interface StepProps {
  state: WizardState;
  edit: (change: Partial<Draft>) => void;
  next: (extraErrors?: Record<string, string>) => void;
  back: () => void;
}
