/**
 * Run all / Run tag, the pure parts: which library scenarios a batch runs (all, or those with
 * the tag; an invalid one is listed as not run, with why), what a finished run makes of its
 * entry (passed, or failed with the first failed step and where it is written), and the
 * summary counts.
 */
import type { ScenarioSummary } from '../../../../protocol/index.ts';
import { firstFailure, type ScenarioResult } from '../../../../scenario/scenario-result.ts';
import type { BatchEntry } from './scenario-state.ts';
import type { StepLocator } from './step-source.ts';

/** Every tag of the library, sorted. */
export function libraryTags(library: readonly ScenarioSummary[]): string[] {
  return [...new Set(library.flatMap((s) => s.tags))].sort();
}

/** The entries of a batch over `library`: all scenarios, or those tagged `tag`, in library order. */
export function batchEntries(library: readonly ScenarioSummary[], tag: string | null): BatchEntry[] {
  return library
    .filter((s) => tag === null || s.tags.includes(tag))
    .map((s) =>
      s.valid
        ? { id: s.id, name: s.name, state: 'queued' as const }
        : { id: s.id, name: s.name, state: 'not run' as const, reason: `invalid file: ${s.issues?.length ?? 0} issue${s.issues?.length === 1 ? '' : 's'}` },
    );
}

/** The entry once its run ended. */
export function entryFromResult(entry: BatchEntry, result: ScenarioResult, locate: StepLocator): BatchEntry {
  const done = { ...entry, duration_ms: result.duration_ms };
  if (result.status === 'passed') return { ...done, state: 'passed' };
  const failed = firstFailure(result.steps);
  const at = failed ? locate(failed.id) : undefined;
  return {
    ...done,
    state: 'failed',
    reason: failed ? `step ${failed.id} ${failed.title}: ${failed.failure?.message ?? 'failed'}` : (result.error ?? 'failed'),
    ...(failed && at ? { failedStep: { id: failed.id, ...at } } : {}),
  };
}

export function batchCounts(entries: readonly BatchEntry[]): { passed: number; failed: number; skipped: number; pending: number } {
  const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
  for (const e of entries) {
    if (e.state === 'passed') counts.passed += 1;
    else if (e.state === 'failed') counts.failed += 1;
    else if (e.state === 'not run') counts.skipped += 1;
    else counts.pending += 1;
  }
  return counts;
}
