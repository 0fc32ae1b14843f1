import React from 'react';
import {render, type Instance} from 'ink';
import {App, type WizardDeps, type WizardOutcome} from './App.js';
import type {Draft} from '../interview/draft.js';
import type {OpenedOut} from '../interview/update.js';

let mounted: Instance | undefined;

/**
 * Unmount the wizard now, so that Ink writes its last frame before what comes after: a message
 * written while a frame is pending would be drawn over by it when Ink unmounts at exit.
 */
export function unmountWizard() {
  mounted?.unmount();
  mounted = undefined;
}

/** Mount the wizard; resolves with what the user chose once Ink has restored the terminal. */
export async function startWizard(initial: Draft, deps: WizardDeps, options: {choose?: boolean; opened?: OpenedOut} = {}): Promise<WizardOutcome> {
  let outcome: WizardOutcome = {code: 130};
  const instance = render(<App initial={initial} deps={deps} choose={options.choose} opened={options.opened} onOutcome={o => { outcome = o; }} />, {exitOnCtrlC: false});
  mounted = instance;
  await instance.waitUntilExit();
  if (mounted === instance) mounted = undefined;
  return outcome;
}
