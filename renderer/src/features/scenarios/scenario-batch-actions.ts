/**
 * Run all / Run tag: the library's scenarios (or those with a tag) one after another against the
 * console's target, as ▶ Run runs one (scenario/scenario-runner.ts in the browser), each result
 * stored in the library with the text it ran; then a summary, each scenario's line opening it
 * (at its first failed step's line).
 */
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { runScenario } from '../../../../scenario/scenario-runner.ts';
import type { ScenarioResult } from '../../../../scenario/scenario-result.ts';
import { getConnections } from '../users/index.ts';
import { documentActions } from './scenario-document-actions.ts';
import { libraryActions } from './scenario-library-actions.ts';
import { resultsActions } from './scenario-results-actions.ts';
import { runActions } from './scenario-run-actions.ts';
import { batchEntries, entryFromResult } from './scenario-batch.ts';
import { get, library, messageOf, set, type BatchEntry } from './scenario-state.ts';
import { stepLocator } from './step-source.ts';

let controller: AbortController | null = null;

function patchEntry(index: number, entry: BatchEntry): void {
  const batch = get().batch;
  if (!batch) return;
  const entries = batch.entries.slice();
  entries[index] = entry;
  set({ batch: { ...batch, entries } });
}

export const batchActions = {
  /** Runs every scenario (`tag` null) or those tagged `tag`, one at a time. */
  async runBatch(tag: string | null): Promise<void> {
    // `controller` is taken before the first await: a second click (or Run all right after Run
    // tag) while the library reloads must not start a second batch over the same entries.
    if (controller || get().batch?.state === 'running' || get().run?.state === 'running') return;
    const abort = new AbortController();
    controller = abort;
    const started = performance.now();
    const started_at = new Date().toISOString();
    set({ batch: { tag, state: 'running', started_at, entries: batchEntries(get().library, tag) } });
    await libraryActions.refreshLibrary();
    const entries = batchEntries(get().library, tag);
    set({ batch: { tag, state: 'running', started_at, entries } });
    for (let i = 0; i < entries.length; i += 1) {
      const entry = get().batch?.entries[i];
      if (!entry || entry.state !== 'queued') continue;
      if (abort.signal.aborted) {
        patchEntry(i, { ...entry, state: 'not run', reason: 'stopped' });
        continue;
      }
      patchEntry(i, { ...entry, state: 'running' });
      try {
        const doc = await library().get(entry.id);
        const checked = checkScenarioText(doc.text);
        if (!checked.ok) {
          patchEntry(i, { ...entry, state: 'not run', reason: `invalid file: ${checked.issues.length} issue${checked.issues.length === 1 ? '' : 's'}` });
          continue;
        }
        const result: ScenarioResult = await runScenario(checked.scenario, { target: getConnections().baseUrl, signal: abort.signal, file: entry.id });
        if (abort.signal.aborted) {
          patchEntry(i, { ...entry, state: 'not run', reason: 'stopped' });
          continue;
        }
        let done = entryFromResult(entry, result, stepLocator(doc.text));
        try {
          const stored = await library().saveResult(entry.id, { ...result, scenario_text: doc.text });
          done = { ...done, resultId: stored.result_id };
        } catch (err) {
          done = { ...done, reason: `${done.reason ? `${done.reason}; ` : ''}result not stored: ${messageOf(err)}` };
        }
        patchEntry(i, done);
      } catch (err) {
        patchEntry(i, { ...entry, state: 'failed', reason: messageOf(err) });
      }
    }
    if (controller === abort) controller = null;
    const batch = get().batch;
    if (batch) set({ batch: { ...batch, state: abort.signal.aborted ? 'stopped' : 'done', duration_ms: Math.round(performance.now() - started) } });
    if (get().doc?.id) await resultsActions.loadResults();
  },

  stopBatch(): void {
    controller?.abort();
  },

  closeBatch(): void {
    if (get().batch?.state !== 'running') set({ batch: null });
  },

  /**
   * Opens a scenario of the batch in the editor, with the cursor at its first failed step, and
   * its result of this batch in the Run panel (what was expected and received at that step).
   */
  async openBatchEntry(entry: BatchEntry): Promise<void> {
    if (get().doc?.id !== entry.id) await documentActions.open(entry.id);
    if (get().doc?.id !== entry.id) return;
    if (entry.resultId && get().run?.resultId !== entry.resultId) await runActions.viewResult(entry.resultId);
    if (entry.failedStep) set({ jump: { line: entry.failedStep.line, column: entry.failedStep.column } });
  },
};
