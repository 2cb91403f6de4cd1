/** `flowscope serve`: the backend headless, configured by environment and flags. */
import { AgentModuleError, createBackendLogger, loadConfig, startBackend } from '../backend/index.ts';
import { FlagError, formatFlagList, type FlagHelp, type FlagTable } from '../backend/index.ts';
import { processIo, type CommandIo } from './command-args.ts';
import { BUILTIN_SCENARIO_DIR, CONSOLE_BUILD_DIR } from './package-root.ts';

/**
 * What `--help` says of the serve flags whose entry in the option table (backend-config.ts)
 * carries no `help`. A flag added to the table is listed even without a line here.
 */
export const SERVE_FLAG_HELP: Record<string, FlagHelp> = {
  host: { env: 'HOST', value: 'ADDRESS', help: 'address to bind (127.0.0.1); the dev token endpoint only on a loopback address' },
  port: { env: 'PORT', help: 'port (8000); 0 picks a free one' },
  'data-dir': { env: 'DATA_DIR', help: 'SQLite file and the generated dev JWT secret (~/.flowscope)' },
  'jwt-secret': { env: 'JWT_SECRET', value: 'SECRET', help: 'HS256 secret for client tokens (generated, kept in DATA_DIR)' },
  'database-url': { env: 'DATABASE_URL', help: 'postgres://... for PostgreSQL (default SQLite in DATA_DIR)' },
  'redis-url': { env: 'REDIS_URL', help: 'redis://... for Redis (default in-process cache)' },
  'sqlite-driver': { env: 'SQLITE_DRIVER', value: 'DRIVER', help: 'auto (better-sqlite3 when built for this Node, else node:sqlite), better-sqlite3 or node' },
  'allowed-origins': { env: 'ALLOWED_ORIGINS', help: 'extra browser origins, comma-separated (* for all)' },
  'max-connections-per-user': { env: 'MAX_CONNECTIONS_PER_USER', help: 'open connections per user (10)' },
  'rate-limit': { env: 'RATE_LIMIT', help: 'messages per user per 10 s window (120)' },
  'max-concurrent-runs': { env: 'MAX_CONCURRENT_RUNS', help: 'runs executing at once in this process (64)' },
  'scenario-dir': { env: 'SCENARIO_DIR', help: "the built-in scenario pack the console lists (the repo's scenarios/)" },
  agent: { env: 'AGENTS', value: 'FILE', help: 'an agent module to load' },
  'agent-url': { env: 'AGENT_URLS', value: 'NAME=URL', help: 'an agent served over HTTP' },
  'agent-header': { env: 'AGENT_HEADERS', value: "'NAME=H: V'", help: 'a request header for that agent over HTTP (AGENT_HEADERS: one a line); never logged' },
  'agent-timeout-ms': { env: 'AGENT_TIMEOUT_MS', help: 'each run of an agent over HTTP may take this long (300000)' },
  'agent-idle-timeout-ms': { env: 'AGENT_IDLE_TIMEOUT_MS', help: 'fail the run when an agent over HTTP sends nothing this long (60000)' },
  'agent-reload': { env: 'AGENT_RELOAD', help: 'reload agent modules when their files change' },
  'no-agent-reload': { help: 'do not reload agent modules' },
  'llm-model': { env: 'LLM_MODEL', value: 'MODEL', help: 'enables the llm agent with this model' },
  'llm-base-url': { env: 'LLM_BASE_URL', help: 'OpenAI-compatible endpoint (default the OpenAI API)' },
  'llm-api-key': { env: 'LLM_API_KEY', value: 'KEY', help: 'API key (else OPENAI_API_KEY)' },
  'llm-idle-timeout-ms': { env: 'LLM_IDLE_TIMEOUT_MS', help: 'fail the run when the endpoint sends nothing for this long' },
  'llm-timeout-ms': { env: 'LLM_TIMEOUT_MS', help: "a run's model calls may take this long in all" },
  'llm-max-rounds': { env: 'LLM_MAX_ROUNDS', help: 'model turns per run' },
  'llm-max-retries': { env: 'LLM_MAX_RETRIES', help: 'retries of a model call answered 429 / 5xx' },
  'llm-system-prompt': { env: 'LLM_SYSTEM_PROMPT', value: 'TEXT', help: 'system message sent first' },
  'llm-max-answer-chars': { env: 'LLM_MAX_ANSWER_CHARS', help: 'characters a model turn may stream as its answer; past it the run fails (1000000)' },
  'llm-max-reasoning-chars': { env: 'LLM_MAX_REASONING_CHARS', help: 'characters of reasoning a model turn may stream (1000000)' },
  'llm-max-tool-calls-per-turn': { env: 'LLM_MAX_TOOL_CALLS_PER_TURN', help: 'tool calls one model turn may make (128)' },
  mcp: {
    env: 'FLOWSCOPE_MCP',
    value: "'NAME=CMD|URL'",
    help: 'an MCP tool server: a command line (stdio) or an http(s) URL; its tools are offered as NAME.tool (FLOWSCOPE_MCP: one a line)',
  },
  'mcp-timeout-ms': { env: 'FLOWSCOPE_MCP_TIMEOUT_MS', help: 'one call of an MCP tool may take this long (25000, at most 30000)' },
  quiet: { help: 'log only warnings and errors (LOG_LEVEL=warn): no connection, refusal or run lines; the line with the URL is still printed' },
  'log-format': { env: 'LOG_FORMAT', value: 'FORMAT', help: 'pretty (default, one human line each) or json (JSON lines: ts, level, msg, user, run, code...)' },
  'log-level': { env: 'LOG_LEVEL', value: 'LEVEL', help: 'debug (adds one line per HTTP request), info (default), warn or error' },
};

/** The usage of `flowscope serve`, its option list generated from the flag table. */
export function serveUsage(flags: FlagTable): string {
  return `Usage: flowscope serve [options]

Starts the messaging backend headless and logs one line with its URL; Ctrl-C or SIGTERM stops
it cleanly. Each option can also be set by its environment variable (the flag wins).

Options:
${formatFlagList({ ...flags, help: { type: 'boolean', short: 'h', help: 'show this help' } }, SERVE_FLAG_HELP)}
`;
}

export async function serveCommand(argv: string[], io: CommandIo = processIo()): Promise<number> {
  let config;
  try {
    config = loadConfig(io.env, argv);
  } catch (err) {
    if (err instanceof FlagError && err.help) {
      io.stdout(serveUsage(err.flags));
      return 0;
    }
    const usage = err instanceof FlagError ? `\n\n${serveUsage(err.flags)}` : '\n';
    io.stderr(`flowscope serve: ${err instanceof Error ? err.message : String(err)}${usage}`);
    return 2;
  }
  // The command's own lines (start, stop, cannot start): as today in the pretty format, JSON lines with LOG_FORMAT=json.
  const log = createBackendLogger(config);
  const say = (level: 'info' | 'error', text: string): void => {
    if (log.format === 'json') log.always(level, text);
    else if (level === 'error') console.error(text);
    else console.log(text);
  };
  let backend;
  try {
    backend = await startBackend(
      {
        ...config,
        consoleDir: config.consoleDir ?? CONSOLE_BUILD_DIR,
        scenarioDir: config.scenarioDir ?? BUILTIN_SCENARIO_DIR,
      },
      log,
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const code = (err as { code?: string }).code;
    if (process.env.FLOWSCOPE_DEBUG && err instanceof Error) console.error(err.stack);
    if (err instanceof AgentModuleError) say('error', `flowscope: cannot start: ${message}`);
    else if (code === 'EADDRINUSE') say('error', `flowscope: port ${config.port} on ${config.host} is in use: stop the other process or set PORT.`);
    else say('error', `flowscope: cannot start: ${message}`);
    return 1;
  }
  const b = backend;
  say('info', `Flowscope backend listening on ${b.url} (store ${b.config.databaseUrl ? 'postgres' : 'sqlite'}, data ${b.config.dataDir}, pid ${process.pid})`);
  const own = b.agents.agents.filter((a) => a.source !== 'builtin');
  if (own.length > 0) {
    const reload = b.config.agentReload && b.config.agentModules.length > 0 ? '; modules reload when they change' : '';
    say('info', `flowscope: agents ${own.map((a) => (a.origin ? `${a.name} (${a.origin})` : a.name)).join(', ')}${reload}`);
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) {
        // A second signal while shutting down: stop at once.
        say('error', `flowscope: ${why} again, exiting now`);
        process.exit(130);
      }
      stopping = true;
      clearInterval(orphanWatch);
      say('info', `flowscope: ${why}, shutting down`);
      b.close().then(resolve, (err: unknown) => {
        say('error', `flowscope: shutdown error: ${err instanceof Error ? err.message : String(err)}`);
        resolve();
      });
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(`${signal} received`));
    // Started through `npm run serve` (npm, then a shell): npm 11 exits on SIGTERM without the
    // shell passing it on, which would leave this process holding the port. A parent that
    // went away is taken as the signal to stop, whoever started us.
    const parent = process.ppid;
    const orphanWatch = setInterval(() => {
      if (process.ppid !== parent) stop('parent process exited');
    }, 250);
    orphanWatch.unref();
  });
  // Nothing left should keep the process alive; if something does, do not hold on.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
