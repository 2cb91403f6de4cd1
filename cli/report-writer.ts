/** Writes the chosen report (pretty, json, junit) to a file or stdout. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatDotsReport } from './report-dots.ts';
import { buildReport, formatJsonReport } from './report-json.ts';
import { formatJunitReport } from './report-junit.ts';
import { formatPrettyReport } from './report-pretty.ts';
import type { ScenarioResult } from '../scenario/scenario-result.ts';

export type Reporter = 'pretty' | 'dots' | 'json' | 'junit';

export interface NotRun {
  name: string;
  file: string;
}

export function renderReport(reporter: Reporter, results: ScenarioResult[], notRun: NotRun[], target: string, started: Date, durationMs: number): string {
  if (reporter === 'junit') return formatJunitReport(results, notRun);
  if (reporter === 'json') return formatJsonReport(buildReport(results, target, started, durationMs, notRun));
  if (reporter === 'dots') return formatDotsReport(results, { color: false }, notRun);
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

/**
 * Writes a finished report to `outPath`, or prints it. A report that cannot be written is
 * printed instead, with one line saying why (the run happened; its report must not be lost).
 * Returns false when the file could not be written.
 */
export async function deliverReport(
  command: string,
  text: string,
  outPath: string | undefined,
  io: { stdout: (t: string) => void; stderr: (t: string) => void; cwd: string },
  note: (t: string) => void,
): Promise<boolean> {
  if (outPath === undefined) {
    io.stdout(text);
    return true;
  }
  try {
    await fs.mkdir(path.dirname(outPath), { recursive: true });
    await fs.writeFile(outPath, text);
    note(`Report written to ${path.relative(io.cwd, outPath) || outPath}\n`);
    return true;
  } catch (err) {
    io.stderr(
      `flowscope ${command}: cannot write the report to ${outPath}: ${(err as { code?: string }).code ?? (err as Error).message}; here it is instead:\n`,
    );
    io.stdout(text);
    return false;
  }
}
