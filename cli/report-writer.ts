/** Writes the chosen report (pretty, json, junit) to a file or stdout. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildReport, formatJsonReport } from '../client/scenario/report-json.ts';
import { formatJunitReport } from '../client/scenario/report-junit.ts';
import { formatPrettyReport } from '../client/scenario/report-pretty.ts';
import type { ScenarioResult } from '../client/scenario/scenario-result.ts';

export type Reporter = 'pretty' | 'json' | 'junit';

export interface NotRun {
  name: string;
  file: string;
}

export function renderReport(reporter: Reporter, results: ScenarioResult[], notRun: NotRun[], target: string, started: Date, durationMs: number): string {
  if (reporter === 'junit') return formatJunitReport(results, notRun);
  if (reporter === 'json') return formatJsonReport(buildReport(results, target, started, durationMs, notRun));
  return formatPrettyReport(results, { color: false }); // pretty to a file: the same text, without colors
}

/**
 * Checks before the run that the report can be written: a directory or an unwritable
 * place is a usage error now, not a lost report after the run.
 */
export async function checkOutPath(out: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(out).catch(() => undefined);
    if (stat?.isDirectory()) return `--out ${out} is a directory: name a file`;
    await fs.mkdir(path.dirname(out), { recursive: true });
    const handle = await fs.open(out, 'a');
    await handle.close();
    if (!stat) await fs.rm(out, { force: true });
    return undefined;
  } catch (err) {
    return `--out ${out} cannot be written: ${(err as { code?: string }).code ?? (err as Error).message}`;
  }
}
