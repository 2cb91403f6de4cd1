/**
 * `flowscope run <files or folders...>`: runs scenarios against an embedded backend (the
 * default) or `--target URL`, reports pretty, JSON or JUnit, and exits 0 only when every
 * assertion held.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import WebSocket from 'ws';
import { startBackend } from '../backend/index.ts';
import type { WebSocketConstructor } from '../client/index.ts';
import { buildReport, formatJsonReport } from '../client/scenario/report-json.ts';
import { formatJunitReport } from '../client/scenario/report-junit.ts';
import { formatGroupStart, formatPrettyReport, formatScenarioEnd, formatScenarioHeader, formatStep, formatSummary } from '../client/scenario/report-pretty.ts';
import type { ScenarioResult } from '../client/scenario/scenario-result.ts';
import { runScenario } from '../client/scenario/scenario-runner.ts';
import { findScenarioFiles, loadScenarioFile, type LoadedScenarioFile } from './scenario-files.ts';

export const RUN_USAGE = `Usage: flowscope run <files or folders...> [options]

Runs scenarios (JSON or YAML, docs/scenarios.md) and exits 0 only when every assertion held.

Options:
  --target URL          Run against this backend instead of an embedded one
  --reporter NAME       pretty (default), json or junit
  --out FILE            Write the report to FILE (progress still goes to the terminal)
  --grep TEXT           Only scenarios whose name or file contains TEXT (or matches /regex/)
  --tag TAG             Only scenarios with this tag (repeatable; any of them)
  --transport KIND      Force socketio or ws for every user
  --timeout-ms N        Default wait timeout (10000)
  --bail                Stop after the first failed scenario
  --database-url URL    Embedded backend on PostgreSQL (default SQLite in a temp folder)
  --redis-url URL       Embedded backend on Redis (default in-process)
`;

type Reporter = 'pretty' | 'json' | 'junit';

export interface RunCommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  color: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

function defaultIo(): RunCommandIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
    cwd: process.cwd(),
  };
}

function grepMatcher(text: string): (s: string) => boolean {
  const re = /^\/(.*)\/([a-z]*)$/.exec(text);
  if (re) {
    const regex = new RegExp(re[1] as string, re[2]);
    return (s) => regex.test(s);
  }
  const needle = text.toLowerCase();
  return (s) => s.toLowerCase().includes(needle);
}

export async function runCommand(argv: string[], io: RunCommandIo = defaultIo()): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        target: { type: 'string' },
        reporter: { type: 'string', default: 'pretty' },
        out: { type: 'string' },
        grep: { type: 'string' },
        tag: { type: 'string', multiple: true },
        transport: { type: 'string' },
        'timeout-ms': { type: 'string' },
        bail: { type: 'boolean' },
        'database-url': { type: 'string' },
        'redis-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.stderr(`flowscope run: ${err instanceof Error ? err.message : String(err)}\n\n${RUN_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout(RUN_USAGE);
    return 0;
  }
  const reporter = values.reporter as Reporter;
  if (!['pretty', 'json', 'junit'].includes(reporter)) {
    io.stderr(`flowscope run: --reporter must be pretty, json or junit, got "${reporter}"\n`);
    return 2;
  }
  if (values.transport !== undefined && values.transport !== 'socketio' && values.transport !== 'ws') {
    io.stderr(`flowscope run: --transport must be socketio or ws\n`);
    return 2;
  }
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 1)) {
    io.stderr(`flowscope run: --timeout-ms must be a positive integer\n`);
    return 2;
  }
  if (positionals.length === 0) {
    io.stderr(`flowscope run: name at least one scenario file or folder\n\n${RUN_USAGE}`);
    return 2;
  }
  if (values.target !== undefined) {
    try {
      const u = new URL(values.target);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      io.stderr(`flowscope run: --target must be an http(s) URL such as http://127.0.0.1:8000, got "${values.target}"\n`);
      return 2;
    }
  }

  // Progress goes to the terminal; a machine report on stdout keeps stdout clean.
  const machineOnStdout = reporter !== 'pretty' && values.out === undefined;
  const progress = machineOnStdout ? io.stderr : io.stdout;
  const pretty = { color: io.color && !machineOnStdout };

  let files: string[];
  try {
    files = await findScenarioFiles(positionals, io.cwd);
  } catch (err) {
    io.stderr(`flowscope run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const loaded: LoadedScenarioFile[] = await Promise.all(files.map((f) => loadScenarioFile(f, io.cwd)));
  const grep = values.grep !== undefined ? grepMatcher(values.grep) : undefined;
  const tags = (values.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const selected = loaded.filter((l) => {
    if (!l.scenario) return true; // an invalid file is always reported
    if (grep && !grep(l.scenario.name) && !grep(l.file)) return false;
    if (tags.length > 0 && !tags.some((t) => l.scenario?.tags?.includes(t))) return false;
    return true;
  });
  if (selected.length === 0) {
    io.stderr(`flowscope run: no scenario matched (${loaded.length} file(s) found${grep || tags.length ? ', filtered by --grep/--tag' : ''})\n`);
    return 1;
  }

  let target = values.target;
  let stopBackend: (() => Promise<void>) | undefined;
  let tempDir: string | undefined;
  if (!target) {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-run-'));
    // On a shared PostgreSQL / Redis the embedded backend gets its own schema and key
    // prefix, so it neither sees nor disturbs another backend's runs; the schema is dropped after.
    const stamp = `${process.pid}_${Date.now().toString(36)}`;
    const schema = values['database-url'] ? `flowscope_run_${stamp}` : undefined;
    try {
      const backend = await startBackend({
        host: '127.0.0.1',
        port: 0,
        dataDir: tempDir,
        quiet: true,
        databaseUrl: values['database-url'],
        redisUrl: values['redis-url'],
        ...(schema ? { databaseSchema: schema } : {}),
        ...(values['redis-url'] ? { cacheKeyPrefix: `flowscope-run:${stamp}:` } : {}),
      });
      target = backend.url;
      const databaseUrl = values['database-url'];
      stopBackend = async () => {
        await backend.close();
        if (databaseUrl && schema) await dropSchema(databaseUrl, schema);
      };
      progress(`Embedded backend at ${target} (${values['database-url'] ? 'PostgreSQL' : 'SQLite'} + ${values['redis-url'] ? 'Redis' : 'in-process cache'})\n\n`);
    } catch (err) {
      await fs.rm(tempDir, { recursive: true, force: true });
      io.stderr(`flowscope run: cannot start the embedded backend: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  } else {
    progress(`Target ${target}\n\n`);
  }

  const started = new Date();
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  try {
    for (const item of selected) {
      if (!item.scenario) {
        const result = loadFailure(item, target);
        progress(`${formatScenarioHeader(item.file, undefined, pretty)}\n${formatScenarioEnd(result, pretty)}\n`);
        results.push(result);
        if (values.bail) break;
        continue;
      }
      progress(`${formatScenarioHeader(item.scenario.name, item.file, pretty)}\n`);
      const result = await runScenario(item.scenario, {
        target,
        file: item.file,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
        env: io.env,
        ...(values.transport ? { transport: values.transport as 'socketio' | 'ws' } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        onStepStart: (step) => {
          if (step.kind === 'repeat' || step.kind === 'parallel') progress(`${formatGroupStart(step, pretty)}\n`);
        },
        onStepEnd: (step) => progress(`${formatStep(step, pretty)}\n`),
      });
      progress(`${formatScenarioEnd(result, pretty)}\n`);
      results.push(result);
      if (values.bail && result.status === 'failed') break;
    }
  } finally {
    await stopBackend?.();
    if (tempDir) await fs.rm(tempDir, { recursive: true, force: true });
  }
  progress(`${formatSummary(results, pretty)}\n`);

  const duration = performance.now() - t0;
  if (reporter !== 'pretty' || values.out !== undefined) {
    const text =
      reporter === 'junit'
        ? formatJunitReport(results)
        : reporter === 'json'
          ? formatJsonReport(buildReport(results, target, started, duration))
          : formatPrettyReport(results, { color: false }); // pretty to a file: the same text, without colors
    if (values.out !== undefined) {
      const out = path.resolve(io.cwd, values.out);
      await fs.mkdir(path.dirname(out), { recursive: true });
      await fs.writeFile(out, text);
      progress(`Report written to ${path.relative(io.cwd, out) || out}\n`);
    } else {
      io.stdout(text);
    }
  }
  return results.every((r) => r.status === 'passed') ? 0 : 1;
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function loadFailure(item: LoadedScenarioFile, target: string): ScenarioResult {
  return {
    name: item.file,
    file: item.file,
    tags: [],
    status: 'failed',
    started_at: new Date().toISOString(),
    duration_ms: 0,
    target,
    steps: [],
    runs: [],
    users: {},
    error: `${item.file}: ${item.error ?? 'invalid'}`,
    sent: [],
    received: [],
  };
}
