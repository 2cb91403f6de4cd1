/**
 * The Scenarios view's state: the library list, the scenario open in the editor (saved,
 * built-in or new), the live run of it, its stored results, and a comparison of two. One
 * store; its actions are split by concern (scenario-library-actions.ts, scenario-document-
 * actions.ts, scenario-run-actions.ts, scenario-results-actions.ts). Scenarios live in the
 * library of the console's target.
 */
import type { TransportKind } from '../../../../client/flowscope-connection.ts';
import { createScenarioLibraryClient, ScenarioLibraryApiError, type ScenarioLibraryClient } from '../../../../client/scenario-library-client.ts';
import type { RecordedSession } from '../../../../scenario/recorded-session.ts';
import type { RunComparison } from '../../../../scenario/run-comparison.ts';
import type { ReceivedRecord, ScenarioResult } from '../../../../scenario/scenario-result.ts';
import type { ScenarioIssue, ScenarioResultSummary, ScenarioSource, ScenarioSummary } from '../../../../protocol/index.ts';
import type { Scenario } from '../../../../scenario/scenario-schema.ts';
import { createExternalStore } from '../../ui/external-store.ts';
import { getConnections } from '../users/index.ts';
import type { StepRow } from './scenario-step-model.ts';
import type { DiffLine } from './text-diff.ts';
import type { DiscardPrompt } from './unsaved-changes.ts';

export interface OpenScenario {
  /** Which opening this is: each open (even of the same scenario) gets a new key, and the editor a fresh undo history. */
  key: number;
  /** Library id; null for a scenario not saved yet. */
  id: string | null;
  source: ScenarioSource | null;
  text: string;
  /** The text as last opened or saved: `text !== savedText` means unsaved changes (unsaved-changes.ts). */
  savedText: string;
  /** Where an unsaved scenario came from. */
  origin: 'library' | 'new' | 'recording' | 'har';
  /** The session it was recorded or imported from (exportable as HAR). */
  session?: RecordedSession;
}

export interface ScenarioRunView {
  /** The library id the run belongs to (null: an unsaved scenario). */
  scenarioId: string | null;
  name: string;
  state: 'running' | 'done' | 'stopped' | 'error';
  started_at: string;
  rows: StepRow[];
  received: ReceivedRecord[];
  result: ScenarioResult | null;
  /** Per scenario user, for HAR export of the result. */
  transports: Record<string, TransportKind>;
  /** The stored result's id (a result opened from the list, or this run once stored). */
  resultId?: string;
  error?: string;
  /** Why the result could not be stored. */
  storeError?: string;
  /** The scenario text that ran (a failed step's line is found in it); absent for a stored result without its text. */
  text?: string;
}

/** One scenario of a Run all / Run tag batch. */
export interface BatchEntry {
  id: string;
  name: string;
  /** `not run`: invalid, or the batch was stopped before it. */
  state: 'queued' | 'running' | 'passed' | 'failed' | 'not run';
  duration_ms?: number;
  /** Why it failed (the first failed step, or the run's error), or why it was not run. */
  reason?: string;
  /** The first failed step's id and where it is written, for the jump to its line. */
  failedStep?: { id: string; line: number; column: number };
  resultId?: string;
}

export interface BatchRun {
  /** null: every scenario (Run all); else the tag. */
  tag: string | null;
  state: 'running' | 'done' | 'stopped';
  started_at: string;
  duration_ms?: number;
  entries: BatchEntry[];
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
  issues?: ScenarioIssue[];
}

export interface ScenarioComparison {
  left: ScenarioResultSummary;
  right: ScenarioResultSummary;
  comparison: RunComparison;
  /** Whether the scenario text differed between A and B; null when a result was stored without its text. */
  textDiffered: boolean | null;
  /** Lines of B's text not in A's, and of A's not in B's (when both texts are known). */
  textChanges?: { added: number; removed: number };
  /** The line diff of A's text to B's (when both are known and differ). */
  textDiff?: DiffLine[];
}

export interface ScenarioState {
  library: ScenarioSummary[];
  libraryLoaded: boolean;
  libraryError: string | null;
  /** Why the last HAR file could not be imported; cleared by the next action that succeeds. */
  importError: string | null;
  filter: string;
  doc: OpenScenario | null;
  busy: boolean;
  notice: Notice | null;
  run: ScenarioRunView | null;
  results: ScenarioResultSummary[];
  /** Result ids ticked for comparison (at most two, oldest dropped). */
  picked: string[];
  comparison: ScenarioComparison | null;
  /** Asking whether to discard the open scenario's unsaved changes (unsaved-changes-guard.tsx). */
  discardPrompt: DiscardPrompt | null;
  /** Where the editor's cursor goes next (a failed step's line); a new object each time. */
  jump: { line: number; column: number } | null;
  /** The last Run all / Run tag. */
  batch: BatchRun | null;
}

export const scenarioStore = createExternalStore<ScenarioState>({
  library: [],
  libraryLoaded: false,
  libraryError: null,
  importError: null,
  filter: '',
  doc: null,
  busy: false,
  notice: null,
  run: null,
  results: [],
  picked: [],
  comparison: null,
  discardPrompt: null,
  jump: null,
  batch: null,
});

export const get = () => scenarioStore.get();
export const set = (patch: Partial<ScenarioState>) => scenarioStore.set(patch);

export function library(): ScenarioLibraryClient {
  return createScenarioLibraryClient(getConnections().baseUrl);
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function failure(err: unknown): Notice {
  return { kind: 'error', text: messageOf(err), ...(err instanceof ScenarioLibraryApiError && err.issues.length ? { issues: err.issues } : {}) };
}

export function transportsOf(scenario: Scenario): Record<string, TransportKind> {
  const out: Record<string, TransportKind> = {};
  for (const [key, user] of Object.entries(scenario.users)) out[key] = user.transport ?? scenario.transport ?? 'socketio';
  return out;
}

export function asResult(value: Record<string, unknown>): ScenarioResult | null {
  return Array.isArray(value.steps) && Array.isArray(value.runs) && Array.isArray(value.received) ? (value as unknown as ScenarioResult) : null;
}

