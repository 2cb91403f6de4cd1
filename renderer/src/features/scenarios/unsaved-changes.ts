/**
 * Unsaved changes of the open scenario: whether there are any, what to call the scenario in
 * "Discard unsaved changes to X?", and the gate that asks before they are thrown away (the
 * answer comes from the in-app dialog, unsaved-changes-guard.tsx).
 */
import { scenarioNameOf } from './scenario-text.ts';

export interface UnsavedDoc {
  id: string | null;
  text: string;
  savedText: string;
  origin: 'library' | 'new' | 'recording' | 'har';
}

/**
 * Edited since opened or saved; a recording that was never saved counts too (unlike New or
 * an imported file, it cannot be made again).
 */
export function hasUnsavedChanges(doc: UnsavedDoc | null): boolean {
  if (!doc) return false;
  return doc.text !== doc.savedText || (doc.id === null && doc.origin === 'recording');
}

/** `golden/ping-pong` for a library scenario, else the name in its text. */
export function unsavedLabel(doc: UnsavedDoc): string {
  return doc.id ?? scenarioNameOf(doc.text) ?? 'the new scenario';
}

export interface DiscardPrompt {
  /** What is being discarded: a scenario id or name. */
  label: string;
}

export interface ConfirmGate {
  /** Shows the prompt; resolves true to go on (discard), false to keep the changes. */
  ask(prompt: DiscardPrompt): Promise<boolean>;
  /** The user's answer to the prompt shown. */
  answer(proceed: boolean): void;
}

/** One prompt at a time: asking again answers the previous prompt "keep". */
export function createConfirmGate(show: (prompt: DiscardPrompt | null) => void): ConfirmGate {
  let pending: ((proceed: boolean) => void) | null = null;
  const settle = (proceed: boolean) => {
    const resolve = pending;
    pending = null;
    resolve?.(proceed);
  };
  return {
    ask(prompt) {
      settle(false);
      show(prompt);
      return new Promise<boolean>((resolve) => {
        pending = resolve;
      });
    },
    answer(proceed) {
      show(null);
      settle(proceed);
    },
  };
}
