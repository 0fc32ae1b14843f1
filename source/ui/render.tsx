import React from 'react';
import {render} from 'ink';
import {App, type WizardDeps, type WizardOutcome} from './App.js';
import type {Draft} from '../interview/draft.js';
import type {OpenedOut} from '../interview/update.js';

/** Mount the wizard; resolves with what the user chose once Ink has restored the terminal. */
export async function startWizard(initial: Draft, deps: WizardDeps, options: {choose?: boolean; opened?: OpenedOut} = {}): Promise<WizardOutcome> {
  let outcome: WizardOutcome = {code: 130};
  const instance = render(<App initial={initial} deps={deps} choose={options.choose} opened={options.opened} onOutcome={o => { outcome = o; }} />, {exitOnCtrlC: false});
  await instance.waitUntilExit();
  return outcome;
}
