/**
 * `flowscope export --format otlp <run ids...> | --thread ID [--out FILE]`: writes stored runs
 * in an export format (docs/traces.md) from the data folder or store a backend uses
 * (`--data-dir` / DATA_DIR, `--database-url` / DATABASE_URL, as `flowscope serve` reads them).
 * The store can be read while that backend runs. For a backend elsewhere, use its REST route
 * `GET /api/runs/:runId/export?format=otlp` with the user's token.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExportError, exportFormatNames, openExportStore, requireExportFormat, runsById, runsOfThread, type ExportRun } from '../backend/index.ts';
import { parseCommandArgs, processIo, type CommandIo } from './command-args.ts';

export const EXPORT_USAGE = `Usage: flowscope export [--format otlp] <run ids...> [options]
       flowscope export [--format otlp] --thread ID [options]

Writes stored runs as a file: otlp is OpenTelemetry GenAI spans as OTLP/JSON, which Jaeger,
Grafana Tempo, Langfuse and Phoenix import (docs/traces.md).

Options:
  --format NAME         otlp (default) or another registered format (ag-ui, ...)
  --thread ID           Every run of this thread, oldest first (instead of run ids)
  --out FILE            Write to FILE (default: stdout)
  --content             Include tool arguments and results, input, response and thoughts
                        (as OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true)
  --data-dir DIR        The backend's data folder (DATA_DIR; default ~/.flowscope)
  --database-url URL    The backend's store (DATABASE_URL), e.g. postgres://...
`;

export async function exportCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  const parsed = parseCommandArgs(
    'export',
    EXPORT_USAGE,
    argv,
    {
      format: { type: 'string', default: 'otlp' },
      thread: { type: 'string' },
      out: { type: 'string' },
      content: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const usageError = (message: string) => {
    io.stderr(`flowscope export: ${message}\n`);
    return 2;
  };
  let format;
  try {
    format = requireExportFormat(values.format);
  } catch (err) {
    if (err instanceof ExportError) return usageError(err.message);
    throw err;
  }
  if (values.thread !== undefined && positionals.length > 0) return usageError('give run ids or --thread, not both');
  if (values.thread === undefined && positionals.length === 0) return usageError(`name at least one run id, or --thread ID\n\n${EXPORT_USAGE}`.trimEnd());
  const dataDir = path.resolve(io.cwd, values['data-dir'] ?? io.env.DATA_DIR ?? path.join(os.homedir(), '.flowscope'));
  const databaseUrl = values['database-url'] ?? io.env.DATABASE_URL;
  if (!databaseUrl) {
    const exists = await fs.stat(dataDir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) {
      io.stderr(`flowscope export: no data folder at ${dataDir} (give --data-dir, DATA_DIR or --database-url)\n`);
      return 1;
    }
  }
  let runs: ExportRun[];
  let store;
  try {
    store = await openExportStore({ databaseUrl, dataDir });
  } catch (err) {
    io.stderr(`flowscope export: cannot open the store: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    runs = values.thread !== undefined ? await runsOfThread(store, values.thread) : await runsById(store, positionals);
  } catch (err) {
    if (err instanceof ExportError) {
      io.stderr(`flowscope export: ${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close().catch(() => undefined);
  }
  const env = values.content ? { ...io.env, OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' } : io.env;
  const text = format.write(runs, { env });
  if (values.out === undefined) {
    io.stdout(text.endsWith('\n') ? text : `${text}\n`);
    return 0;
  }
  const out = path.resolve(io.cwd, values.out);
  try {
    await fs.mkdir(path.dirname(out), { recursive: true });
    await fs.writeFile(out, text);
  } catch (err) {
    io.stderr(`flowscope export: cannot write ${values.out}: ${(err as { code?: string }).code ?? (err as Error).message}\n`);
    return 1;
  }
  const events = runs.reduce((n, r) => n + r.events.length, 0);
  io.stderr(`Wrote ${values.out}: ${runs.length} run(s), ${events} events as ${format.name} (formats: ${exportFormatNames().join(', ')})\n`);
  return 0;
}
