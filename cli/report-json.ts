/** The machine report: every result, with its runs and envelopes, in one JSON document. */
import { countSteps, type ScenarioResult } from '../scenario/scenario-result.ts';
import { snapshotCounts } from './report-pretty.ts';

export const REPORT_FORMAT_VERSION = 1;

export interface ScenarioReport {
  flowscope_report: typeof REPORT_FORMAT_VERSION;
  target: string;
  started_at: string;
  duration_ms: number;
  summary: {
    scenarios: number;
    passed: number;
    failed: number;
    not_run: number;
    steps: { passed: number; failed: number; skipped: number };
    /** What the expect_snapshot steps did; each step's `snapshot` has the details. */
    /** obsolete / removed: files beside passed scenarios that no step used (each scenario's `obsolete_snapshots` lists them). */
    snapshots: { matched: number; written: number; updated: number; failed: number; obsolete: number; removed: number };
  };
  scenarios: ScenarioResult[];
  /** Selected but not run (after --bail, or when interrupted). */
  not_run: Array<{ name: string; file: string }>;
}

export function buildReport(
  results: ScenarioResult[],
  target: string,
  startedAt: Date,
  durationMs: number,
  notRun: Array<{ name: string; file: string }> = [],
): ScenarioReport {
  const steps = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    const c = countSteps(r.steps);
    steps.passed += c.passed;
    steps.failed += c.failed;
    steps.skipped += c.skipped;
  }
  const failed = results.filter((r) => r.status === 'failed').length;
  const { files: _files, obsoleteFiles: _obsoleteFiles, ...snapshots } = snapshotCounts(results);
  return {
    flowscope_report: REPORT_FORMAT_VERSION,
    target,
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(durationMs),
    summary: { scenarios: results.length, passed: results.length - failed, failed, not_run: notRun.length, steps, snapshots },
    scenarios: results,
    not_run: notRun,
  };
}

export function formatJsonReport(report: ScenarioReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
