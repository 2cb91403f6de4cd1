/** A scenario's stored results: the list, the two picked for comparison, and the comparison. */
import { compareResults } from '../../../../scenario/run-comparison.ts';
import { asResult, failure, get, library, set } from './scenario-state.ts';
import { diffLines } from './text-diff.ts';

export const resultsActions = {
  async loadResults(): Promise<void> {
    const id = get().doc?.id;
    if (!id) return;
    try {
      const results = await library().listResults(id);
      if (get().doc?.id === id) set({ results, picked: get().picked.filter((p) => results.some((r) => r.result_id === p)) });
    } catch (err) {
      set({ notice: failure(err) });
    }
  },

  togglePick(resultId: string): void {
    const picked = get().picked;
    set({ picked: picked.includes(resultId) ? picked.filter((p) => p !== resultId) : [...picked, resultId].slice(-2) });
  },

  /** Compares the two picked results, older on the left. */
  async compare(): Promise<void> {
    const id = get().doc?.id;
    const { picked, results } = get();
    if (!id || picked.length !== 2) return;
    const [left, right] = results
      .filter((r) => picked.includes(r.result_id))
      .sort((a, b) => (a.started_at < b.started_at ? -1 : a.started_at > b.started_at ? 1 : 0));
    if (!left || !right) return;
    try {
      const [a, b] = await Promise.all([library().getResult(id, left.result_id), library().getResult(id, right.result_id)]);
      const ra = asResult(a.result);
      const rb = asResult(b.result);
      if (!ra || !rb) throw new Error('one of the results is not a scenario result');
      const ta = typeof a.result.scenario_text === 'string' ? a.result.scenario_text : null;
      const tb = typeof b.result.scenario_text === 'string' ? b.result.scenario_text : null;
      const textDiffered = ta === null || tb === null ? null : ta !== tb;
      set({
        comparison: {
          left,
          right,
          comparison: compareResults(ra, rb),
          textDiffered,
          ...(ta !== null && tb !== null && ta !== tb ? { textChanges: lineChanges(ta, tb), textDiff: diffLines(ta, tb) } : {}),
        },
        importError: null,
      });
    } catch (err) {
      set({ notice: failure(err) });
    }
  },

  closeComparison(): void {
    set({ comparison: null });
  },
};

/** Lines of `b` not in `a` (added) and of `a` not in `b` (removed), as multisets. */
export function lineChanges(a: string, b: string): { added: number; removed: number } {
  const count = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split('\n')) m.set(line, (m.get(line) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  let added = 0;
  let removed = 0;
  for (const [line, n] of cb) added += Math.max(0, n - (ca.get(line) ?? 0));
  for (const [line, n] of ca) removed += Math.max(0, n - (cb.get(line) ?? 0));
  return { added, removed };
}
