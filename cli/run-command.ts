/**
 * `flowscope run <files or folders...>`: runs scenarios against an embedded backend (the
 * default) or `--target URL`, reports pretty, JSON or JUnit, and exits 0 only when every
 * assertion held.
 */
import path from 'node:path';
import WebSocket from 'ws';
import type { WebSocketConstructor } from '../client/index.ts';
import { DotsWriter, formatDotsFailures } from './report-dots.ts';
import { formatGroupStart, formatScenarioEnd, formatScenarioHeader, formatStep, formatStillWaiting, formatSummary } from './report-pretty.ts';
import type { ScenarioResult } from '../scenario/scenario-result.ts';
import { runScenario } from '../scenario/scenario-runner.ts';
import { parseCommandArgs, positiveIntOption, processIo, targetProblem, transportProblem, type CommandIo } from './command-args.ts';
import { HttpAgentConfigError, MAX_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS, parseAgentHeaderFlags, parseTimeoutSetting } from '../backend/index.ts';
import { resolveTarget } from './embedded-backend.ts';
import { installInterruptHandler } from './interrupt-handler.ts';
import { checkOutPath, deliverReport, renderReport, type NotRun, type Reporter } from './report-writer.ts';
import { findScenarioFiles, loadScenarioFile, type LoadedScenarioFile } from './scenario-files.ts';
import { fileSnapshotStore, hasTemplatedSnapshotName, obsoleteSnapshots, removeSnapshots, snapshotMode, usedSnapshots } from './snapshot-files.ts';

export const RUN_USAGE = `Usage: flowscope run <files or folders...> [options]

Runs scenarios (JSON or YAML, docs/scenarios.md) and exits 0 only when every assertion held.

Options:
  --target URL          Run against this backend instead of an embedded one
  --reporter NAME       pretty (default), dots (a character per step, for CI logs), json or junit
  --out FILE            Write the report to FILE (progress still goes to the terminal)
  --grep TEXT           Only scenarios whose name or file contains TEXT (or matches /regex/)
  --tag TAG             Only scenarios with this tag (repeatable; any of them)
  --transport KIND      socketio or ws where a scenario does not pin one
  --timeout-ms N        Default wait timeout (10000)
  --scenario-timeout-ms N  Stop a scenario that runs longer (it fails)
  --bail                Stop after the first failed scenario (the rest are listed as not run)
  --still-waiting-ms N  How often a wait still waiting says so (5000; pretty output only)
  --database-url URL    Embedded backend on PostgreSQL (default SQLite in a temp folder)
  --redis-url URL       Embedded backend on Redis (default in-process)
  --agent NAME          Run the scenarios against this agent (sets the variable \`agent\`;
                        scenarios/agent-conformance uses it in every message)
  --var NAME=VALUE      Set a scenario variable, replacing the scenario's own (repeatable)
  --agent-module FILE   Load an agent module into the embedded backend (repeatable)
  --agent-url NAME=URL  Add an agent over HTTP to the embedded backend (repeatable)
  --agent-protocol NAME=ag-ui
                        That agent over HTTP speaks AG-UI (docs/ag-ui.md; default: flowscope)
  --agent-header 'NAME=Header: value'
                        A request header for that agent over HTTP (repeatable; never printed)
  --mcp NAME=COMMAND|URL
                        An MCP tool server whose tools the embedded backend's agents get as
                        NAME.tool (repeatable; docs/agents.md#mcp-tool-servers)
  --agent-timeout-ms N  Each run of an agent over HTTP may take this long (300000)
  --agent-idle-timeout-ms N  Fail a run whose agent over HTTP sends nothing this long (60000)
  --update-snapshots    Rewrite the expect_snapshot files that differ (missing ones are
                        written on a local run; with CI set a missing one fails), and
                        remove the obsolete ones (beside a passed scenario, used by no step)
`;

export type RunCommandIo = CommandIo;

function grepMatcher(text: string): (s: string) => boolean {
  const re = /^\/(.*)\/([a-z]*)$/.exec(text);
  if (re) {
    const regex = new RegExp(re[1] as string, re[2]);
    return (s) => regex.test(s);
  }
  const needle = text.toLowerCase();
  return (s) => s.toLowerCase().includes(needle);
}

export async function runCommand(argv: string[], io: RunCommandIo = processIo()): Promise<number> {
  const parsed = parseCommandArgs(
    'run',
    RUN_USAGE,
    argv,
    {
      target: { type: 'string' },
      reporter: { type: 'string', default: 'pretty' },
      out: { type: 'string' },
      grep: { type: 'string' },
      tag: { type: 'string', multiple: true },
      transport: { type: 'string' },
      'timeout-ms': { type: 'string' },
      bail: { type: 'boolean' },
      'scenario-timeout-ms': { type: 'string' },
      'still-waiting-ms': { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      agent: { type: 'string' },
      var: { type: 'string', multiple: true },
      'agent-module': { type: 'string', multiple: true },
      'agent-url': { type: 'string', multiple: true },
      'agent-header': { type: 'string', multiple: true },
      'agent-protocol': { type: 'string', multiple: true },
      mcp: { type: 'string', multiple: true },
      'agent-timeout-ms': { type: 'string' },
      'agent-idle-timeout-ms': { type: 'string' },
      'update-snapshots': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    io,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const usageError = (message: string) => {
    io.stderr(`flowscope run: ${message}\n`);
    return 2;
  };
  const reporter = values.reporter as Reporter;
  if (!['pretty', 'dots', 'json', 'junit'].includes(reporter)) return usageError(`--reporter must be pretty, dots, json or junit, got "${reporter}"`);
  const transportIssue = transportProblem(values.transport);
  if (transportIssue) return usageError(transportIssue);
  const timeoutMs = positiveIntOption('timeout-ms', values['timeout-ms']);
  if (timeoutMs instanceof Error) return usageError(timeoutMs.message);
  if (positionals.length === 0) return usageError(`name at least one scenario file or folder\n\n${RUN_USAGE}`.trimEnd());
  const targetIssue = targetProblem(values.target);
  if (targetIssue) return usageError(targetIssue);
  const vars: Record<string, string> = {};
  for (const entry of values.var ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.slice(0, eq))) return usageError(`--var takes NAME=VALUE, got "${entry}"`);
    vars[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  if (values.agent !== undefined) {
    if (!/^\S{1,64}$/.test(values.agent)) return usageError(`--agent takes an agent name (1-64 characters, no spaces), got "${values.agent}"`);
    vars.agent = values.agent;
  }
  const agentFlags = ['agent-module', 'agent-url', 'agent-header', 'agent-protocol', 'mcp', 'agent-timeout-ms', 'agent-idle-timeout-ms'] as const;
  if (values.target && agentFlags.some((flag) => values[flag] !== undefined)) {
    return usageError(
      '--agent-module and --agent-url configure the embedded backend, as do --agent-header, --agent-protocol, --mcp, --agent-timeout-ms and --agent-idle-timeout-ms; with --target, start that backend with them',
    );
  }
  let agentHttp;
  try {
    agentHttp = {
      agentHeaders: parseAgentHeaderFlags(values['agent-header'] ?? []),
      agentTimeoutMs: parseTimeoutSetting(values['agent-timeout-ms'], '--agent-timeout-ms', MAX_TIMEOUT_MS),
      agentIdleTimeoutMs: parseTimeoutSetting(values['agent-idle-timeout-ms'], '--agent-idle-timeout-ms', MAX_IDLE_TIMEOUT_MS),
    };
  } catch (err) {
    if (err instanceof HttpAgentConfigError) return usageError(err.message);
    throw err;
  }

  // Progress goes to the terminal; a machine report on stdout keeps stdout clean.
  const machineOnStdout = (reporter === 'json' || reporter === 'junit') && values.out === undefined;
  const progress = machineOnStdout ? io.stderr : io.stdout;
  const pretty = { color: io.color && !machineOnStdout };
  // dots: a character per step on the terminal instead of a line (still-waiting lines only in the pretty progress).
  const dots = reporter === 'dots' ? new DotsWriter(progress) : undefined;

  let grep: ((s: string) => boolean) | undefined;
  try {
    grep = values.grep !== undefined ? grepMatcher(values.grep) : undefined;
  } catch (err) {
    return usageError(`--grep ${values.grep}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const scenarioTimeoutMs = positiveIntOption('scenario-timeout-ms', values['scenario-timeout-ms']);
  if (scenarioTimeoutMs instanceof Error) return usageError(scenarioTimeoutMs.message);
  const waitingMs = positiveIntOption('still-waiting-ms', values['still-waiting-ms']);
  if (waitingMs instanceof Error) return usageError(waitingMs.message);
  const outPath = values.out !== undefined ? path.resolve(io.cwd, values.out) : undefined;
  if (outPath) {
    const problem = await checkOutPath(outPath);
    if (problem) return usageError(problem);
  }

  let files: string[];
  try {
    files = await findScenarioFiles(positionals, io.cwd);
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
  const explicit = new Set(positionals.map((p) => path.resolve(io.cwd, p)));
  const all = await Promise.all(files.map((f) => loadScenarioFile(f, io.cwd)));
  const loaded: LoadedScenarioFile[] = all.filter((l, i) => {
    // A file in a folder that is not a scenario (a report, a fixture) is passed over; one named on the command line is not.
    if (l.notScenario && !explicit.has(files[i] as string)) {
      progress(`skipped ${l.file}: ${l.error ?? 'not a scenario'}\n`);
      return false;
    }
    return true;
  });
  const tags = (values.tag ?? [])
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const selected = loaded.filter((l) => {
    // An invalid file cannot be filtered by name or tag: it is reported unless --grep rules its path out.
    if (!l.scenario) return !grep || grep(l.file);
    if (grep && !grep(l.scenario.name) && !grep(l.file)) return false;
    if (tags.length > 0 && !tags.some((t) => l.scenario?.tags?.includes(t))) return false;
    return true;
  });
  if (selected.length === 0) {
    io.stderr(`flowscope run: no scenario matched (${loaded.length} file(s) found${grep || tags.length ? ', filtered by --grep/--tag' : ''})\n`);
    return 1;
  }

  const resolved = await resolveTarget(
    'run',
    {
      target: values.target,
      databaseUrl: values['database-url'],
      redisUrl: values['redis-url'],
      agentModules: values['agent-module']?.map((file) => path.resolve(io.cwd, file)),
      agentUrls: values['agent-url'],
      agentProtocols: values['agent-protocol'],
      mcpServers: values.mcp,
      ...agentHttp,
    },
    io,
    progress,
  );
  if (!resolved) return 1;
  const { target, embedded } = resolved;
  progress('\n');

  // Ctrl-C / SIGTERM stop the current scenario and still write the report of what ran.
  let current: AbortController | undefined;
  const signals = installInterruptHandler(io.handleSignals, (signal) => current?.abort(new Error(`interrupted by ${signal}`)));

  const started = new Date();
  const t0 = performance.now();
  const results: ScenarioResult[] = [];
  const notRun: NotRun[] = [];
  try {
    for (const [index, item] of selected.entries()) {
      if (signals.interrupted || (values.bail && results.some((r) => r.status === 'failed'))) {
        notRun.push(...selected.slice(index).map((l) => ({ name: l.scenario?.name ?? l.file, file: l.file })));
        break;
      }
      if (!item.scenario) {
        const result = loadFailure(item, target);
        if (dots) dots.scenarioError();
        else progress(`${formatScenarioEnd(result, pretty)}\n`);
        results.push(result);
        continue;
      }
      if (!dots) progress(`${formatScenarioHeader(item.scenario.name, item.file, pretty)}\n`);
      current = new AbortController();
      const controller = current;
      const timer = scenarioTimeoutMs
        ? setTimeout(() => controller.abort(new Error(`scenario timed out after ${scenarioTimeoutMs} ms (--scenario-timeout-ms)`)), scenarioTimeoutMs)
        : undefined;
      const result = await runScenario(item.scenario, {
        target,
        file: item.file,
        snapshots: fileSnapshotStore(item.file, io.cwd, snapshotMode(values['update-snapshots'] === true, io.env)),
        signal: controller.signal,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
        env: io.env,
        vars,
        ...(values.transport ? { transport: values.transport as 'socketio' | 'ws' } : {}),
        ...(timeoutMs ? { timeoutMs } : {}),
        onStepStart: (step) => {
          if (!dots && (step.kind === 'repeat' || step.kind === 'parallel')) progress(`${formatGroupStart(step, pretty)}\n`);
        },
        onStepEnd: (step) => {
          // A failed step says where it is written (file:line:column), in every report.
          if (step.status === 'failed' && !step.children?.length) step.source ??= item.stepSource?.(step.id);
          if (dots) dots.step(step);
          else progress(`${formatStep(step, pretty)}\n`);
        },
        ...(dots ? {} : { onWaiting: (info) => progress(`${formatStillWaiting(info, pretty)}\n`), ...(waitingMs ? { waitingIntervalMs: waitingMs } : {}) }),
      }).finally(() => clearTimeout(timer));
      if (!dots) progress(`${formatScenarioEnd(result, pretty)}\n`);
      results.push(result);
      await markObsoleteSnapshots(result, item, {
        cwd: io.cwd,
        update: values['update-snapshots'] === true,
        varsGiven: Object.keys(vars).length > 0,
        interrupted: signals.interrupted,
      });
    }
  } finally {
    signals.dispose();
    await embedded?.stop();
  }
  const interrupted = signals.interrupted;
  if (dots) {
    dots.end();
    const failures = formatDotsFailures(results, pretty);
    if (failures) progress(`\n${failures}\n`);
    progress('\n');
  }
  progress(`${formatSummary(results, pretty, notRun, interrupted)}\n`);

  const duration = performance.now() - t0;
  if (machineOnStdout || outPath !== undefined) {
    const text = renderReport(reporter, results, notRun, target, started, duration);
    if (!(await deliverReport('run', text, outPath, io, progress))) return 1;
  }
  if (interrupted) return 130;
  return results.every((r) => r.status === 'passed') && notRun.length === 0 ? 0 : 1;
}

/**
 * Snapshot files beside a scenario that its complete run did not use: listed on the result
 * (`obsolete_snapshots`), removed with --update-snapshots. Only a passed run is complete (a
 * failure skips the steps after it), and a scenario with templated snapshot names run with
 * --var/--agent may use other names than the committed files were written under: neither is
 * judged.
 */
async function markObsoleteSnapshots(
  result: ScenarioResult,
  item: LoadedScenarioFile,
  options: { cwd: string; update: boolean; varsGiven: boolean; interrupted: string | undefined },
): Promise<void> {
  if (result.status !== 'passed' || options.interrupted || !item.scenario) return;
  if (options.varsGiven && hasTemplatedSnapshotName(item.scenario)) return;
  const files = await obsoleteSnapshots(item.file, options.cwd, usedSnapshots(result)).catch(() => []);
  if (files.length === 0) return;
  if (options.update) await removeSnapshots(files, options.cwd);
  result.obsolete_snapshots = { files, removed: options.update };
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
