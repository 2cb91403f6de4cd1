/** Backend configuration (protocol.md §7): environment variables, overridden by CLI flags. */
import { parseFlags } from './cli-flags.ts';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SCRIPT_LIMITS, type ScriptLimits } from '../agents/script-limits.ts';
import { agentHeadersFromConfig, type AgentHeaderEntry } from '../agents/http/agent-headers.ts';
import { parseTimeoutSetting } from '../agents/http/configured-http-agents.ts';
import { MAX_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../agents/http/http-agent.ts';
import { DEFAULT_RUN_BUDGET } from '../agents/run-budget.ts';
import { DEFAULT_TOOL_TIMEOUT_MS } from '../agents/agent-context.ts';
import { mcpEntriesFromEnv, parseMcpEntries } from '../agents/mcp/mcp-config.ts';
import { DEFAULT_CANCEL_GRACE_MS } from '../execution/run-executor.ts';
import { parseSqliteDriverChoice, type SqliteDriverChoice } from '../store/store-factory.ts';
import { parseLogFormat, parseLogLevel, type LogFormat, type LogLevel } from '../logging/logger.ts';

export interface BackendConfig {
  host: string;
  port: number;
  dataDir: string;
  jwtSecret?: string | undefined;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** PostgreSQL schema (DATABASE_SCHEMA), default `public`: several backends can share one database. */
  databaseSchema?: string | undefined;
  /**
   * A private store namespace for this backend alone, dropped with its data when the backend
   * closes (PostgreSQL: a fresh schema; SQLite: a file in a fresh temporary folder). For an
   * embedded backend (`flowscope run`) on a shared database. Not with `databaseSchema`.
   */
  databaseEphemeral?: boolean | undefined;
  /**
   * Which SQLite driver opens the database (SQLITE_DRIVER, --sqlite-driver): `auto` (default:
   * better-sqlite3 when its native build matches this runtime, else Node's built-in
   * `node:sqlite`), `better-sqlite3` or `node` (backend/store/sqlite/sqlite-driver.ts).
   */
  sqliteDriver?: SqliteDriverChoice | undefined;
  /** SQLITE_NATIVE_BINDING: a `better_sqlite3.node` built for this runtime, used instead of the one in node_modules. */
  sqliteNativeBinding?: string | undefined;
  /** Prefix of every cache key and channel (CACHE_PREFIX), default `flowscope:`. */
  cacheKeyPrefix?: string | undefined;
  /** Browser origins allowed besides the server's own. */
  allowedOrigins: string[];
  maxConnectionsPerUser: number;
  rateLimitMessages: number;
  rateLimitWindowMs: number;
  maxConcurrentRuns: number;
  maxQueuedPerUser: number;
  /** Folder with the console's web build, served at `/` when present. */
  consoleDir?: string | undefined;
  /** Read-only built-in scenario pack listed by /api/scenarios (SCENARIO_DIR); no default here, `flowscope serve` passes the repo's `scenarios/`. */
  scenarioDir?: string | undefined;
  /** Idle time after which a user's execution engine is released. */
  engineIdleMs: number;
  /** TTL of process-liveness and per-user execution leases (LEASE_MS): how soon another process takes over from a dead one. */
  leaseMs: number;
  /** Agent module files (AGENTS, comma-separated, and repeatable --agent), relative to the working directory. */
  agentModules: string[];
  /** Agents over HTTP, `name=URL` each (AGENT_URLS, comma-separated, and repeatable --agent-url). */
  agentUrls: string[];
  /**
   * Request headers of agents over HTTP (AGENT_HEADERS, one `name=Header-Name: value` a line,
   * and repeatable --agent-header); each names an agent of `agentUrls`. Values are secrets: never logged.
   */
  agentHeaders: AgentHeaderEntry[];
  /** The protocol of agents of `agentUrls`, `name=protocol` each (AGENT_PROTOCOLS, repeatable --agent-protocol): `flowscope` (default) or `ag-ui` (docs/ag-ui.md). */
  agentProtocols?: string[] | undefined;
  /** AGENT_TIMEOUT_MS / --agent-timeout-ms: the whole exchange with an agent over HTTP (default 300 s). */
  agentTimeoutMs?: number | undefined;
  /** AGENT_IDLE_TIMEOUT_MS / --agent-idle-timeout-ms: no bytes from an agent over HTTP for this long fails the run (default 60 s). */
  agentIdleTimeoutMs?: number | undefined;
  /** Reload agent modules when their files change (AGENT_RELOAD; default on unless NODE_ENV=production). */
  agentReload: boolean;
  /** The `llm` agent, enabled when a model is set (LLM_MODEL, --llm-model). */
  llm?: LlmConfig | undefined;
  /**
   * MCP tool servers, `name=<command line>` (stdio) or `name=<http(s) URL>` (Streamable HTTP)
   * each (FLOWSCOPE_MCP, one a line, or repeatable --mcp); their tools are offered as `name.tool`.
   */
  mcpServers: string[];
  /** FLOWSCOPE_MCP_TIMEOUT_MS / --mcp-timeout-ms: one tools/call of an MCP server (default 25 s, at most 30 s). */
  mcpTimeoutMs?: number | undefined;
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>` (and is then served to any peer); unset, loopback peers only. */
  metricsToken?: string | undefined;
  /** Connection limits of one process (issue 11; README configuration table). */
  limits: ConnectionLimits;
  /** `--quiet`: log only warnings and errors (LOG_LEVEL=warn); the line with the URL is still printed. */
  quiet: boolean;
  /** LOG_FORMAT / --log-format: `pretty` (default, human) or `json` (JSON lines; backend/logging/logger.ts). */
  logFormat?: LogFormat | undefined;
  /** LOG_LEVEL / --log-level: debug, info (default), warn, error. */
  logLevel?: LogLevel | undefined;
  /** Bounds of a `scripted` run (SCRIPT_MAX_STEPS, SCRIPT_MAX_DELAY_MS; backend/agents/script-limits.ts). */
  scriptLimits: ScriptLimits;
  /** Events one run may store, agent_started and agent_completed included (RUN_MAX_EVENTS; backend/agents/run-budget.ts). */
  runMaxEvents: number;
  /** Bytes of the JSON of a run's event payloads, summed (RUN_MAX_BYTES). */
  runMaxBytes: number;
  /** Characters of one agent_thinking text; longer ones are truncated with a marker (THOUGHT_MAX_CHARS). */
  thoughtMaxChars: number;
  /** After cancel_run (or shutdown: at most 1 s) the agent has this long to stop; then the run ends without it (CANCEL_GRACE_MS). */
  cancelGraceMs: number;
  /** Runs of one agent executing at once in this process (AGENT_MAX_CONCURRENT_RUNS); default half of maxConcurrentRuns. */
  agentMaxConcurrentRuns?: number | undefined;
}

export interface LlmConfig {
  model: string;
  /** LLM_BASE_URL; default the OpenAI API. */
  baseUrl?: string | undefined;
  /** LLM_API_KEY, falling back to OPENAI_API_KEY. */
  apiKey?: string | undefined;
  /** LLM_IDLE_TIMEOUT_MS: no bytes from the endpoint for this long fails the run. */
  idleTimeoutMs?: number | undefined;
  /** LLM_TIMEOUT_MS: a run's model calls may take this long in all. */
  timeoutMs?: number | undefined;
  /** LLM_MAX_ROUNDS: model turns per run. */
  maxRounds?: number | undefined;
  /** LLM_MAX_RETRIES: retries of a model call answered 429 / 5xx or refused. */
  maxRetries?: number | undefined;
  /** LLM_SYSTEM_PROMPT: the system message sent first. */
  systemPrompt?: string | undefined;
  /** LLM_MAX_ANSWER_CHARS: characters a model turn may stream as its answer and tool-call arguments. */
  maxAnswerChars?: number | undefined;
  /** LLM_MAX_REASONING_CHARS: characters of reasoning a model turn may stream. */
  maxReasoningChars?: number | undefined;
  /** LLM_MAX_TOOL_CALLS_PER_TURN: tool calls one model turn may make. */
  maxToolCallsPerTurn?: number | undefined;
}

export interface ConnectionLimits {
  /** Open connections plus handshakes in progress (Engine.IO sessions included), all addresses (MAX_CONNECTIONS). */
  maxConnections: number;
  /** The same, per client address (MAX_CONNECTIONS_PER_ADDRESS). */
  maxConnectionsPerAddress: number;
  /** Handshakes in progress: /ws upgrades not yet admitted, Engine.IO sessions without an admitted Socket.IO connect (MAX_HANDSHAKES). */
  maxHandshakes: number;
  /** The same, per client address (MAX_HANDSHAKES_PER_ADDRESS). */
  maxHandshakesPerAddress: number;
  /** An Engine.IO session that has not completed its Socket.IO connect by then is closed (HANDSHAKE_TIMEOUT_MS). */
  handshakeTimeoutMs: number;
  /** Messages received on one connection and not yet handled; past it the connection is closed (MAX_INBOUND_BACKLOG). */
  maxInboundBacklog: number;
  /** Bytes of those messages (MAX_INBOUND_BACKLOG_BYTES). */
  maxInboundBacklogBytes: number;
  /** Bytes owed to one connection (not yet written to its socket); past it the connection is dropped (MAX_OUTBOUND_BUFFER_BYTES). */
  maxOutboundBufferBytes: number;
  /**
   * Every connection is pinged this often; one that has not answered by the next ping stopped
   * reading and is dropped (/ws: 4408; Socket.IO: its ping timeout, at most 20 s) (PING_INTERVAL_MS).
   * Found in seconds whatever the kernel buffers, where MAX_OUTBOUND_BUFFER_BYTES counts only
   * what is left once they are full.
   */
  pingIntervalMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = {
  maxConnections: 10_000,
  maxConnectionsPerAddress: 512,
  maxHandshakes: 256,
  maxHandshakesPerAddress: 32,
  handshakeTimeoutMs: 10_000,
  maxInboundBacklog: 256,
  maxInboundBacklogBytes: 1024 * 1024,
  maxOutboundBufferBytes: 8 * 1024 * 1024,
  pingIntervalMs: 25_000,
};

/** Environment variable, flag and `--help` line of each connection limit (the default is appended). */
const LIMIT_SETTINGS: ReadonlyArray<[keyof ConnectionLimits, string, string, string]> = [
  ['maxConnections', 'MAX_CONNECTIONS', 'max-connections', 'open connections and handshakes in this process, all addresses'],
  ['maxConnectionsPerAddress', 'MAX_CONNECTIONS_PER_ADDRESS', 'max-connections-per-address', 'the same, per client address'],
  ['maxHandshakes', 'MAX_HANDSHAKES', 'max-handshakes', 'handshakes in progress (not yet authenticated), all addresses'],
  ['maxHandshakesPerAddress', 'MAX_HANDSHAKES_PER_ADDRESS', 'max-handshakes-per-address', 'the same, per client address'],
  ['handshakeTimeoutMs', 'HANDSHAKE_TIMEOUT_MS', 'handshake-timeout-ms', 'a Socket.IO session not connected by then is closed'],
  ['maxInboundBacklog', 'MAX_INBOUND_BACKLOG', 'max-inbound-backlog', 'messages waiting on one connection; past it the connection is closed with 4429'],
  ['maxInboundBacklogBytes', 'MAX_INBOUND_BACKLOG_BYTES', 'max-inbound-backlog-bytes', 'bytes of those messages'],
  [
    'maxOutboundBufferBytes',
    'MAX_OUTBOUND_BUFFER_BYTES',
    'max-outbound-buffer-bytes',
    'bytes owed to a connection that stopped reading; past it the connection is dropped with 4408',
  ],
  [
    'pingIntervalMs',
    'PING_INTERVAL_MS',
    'ping-interval-ms',
    'connections are pinged this often; one that has not answered by the next ping is dropped with 4408',
  ],
];

/** Environment variable, flag and `--help` line of each run limit (issue 17; the default is appended when there is one). */
const RUN_SETTINGS: ReadonlyArray<
  [keyof BackendConfig & ('runMaxEvents' | 'runMaxBytes' | 'thoughtMaxChars' | 'cancelGraceMs' | 'agentMaxConcurrentRuns'), string, string, string]
> = [
  ['runMaxEvents', 'RUN_MAX_EVENTS', 'run-max-events', 'events one run may store; past it the run fails'],
  ['runMaxBytes', 'RUN_MAX_BYTES', 'run-max-bytes', "bytes of a run's event payloads; past it the run fails"],
  ['thoughtMaxChars', 'THOUGHT_MAX_CHARS', 'thought-max-chars', 'characters of one thought; longer ones are truncated'],
  ['cancelGraceMs', 'CANCEL_GRACE_MS', 'cancel-grace-ms', 'after cancel_run the agent has this long to stop, then the run ends cancelled'],
  ['agentMaxConcurrentRuns', 'AGENT_MAX_CONCURRENT_RUNS', 'agent-max-concurrent-runs', 'runs of one agent at once (half of --max-concurrent-runs)'],
];

/** The shortest JWT_SECRET accepted (HS256 wants a key of at least its hash size). */
export const MIN_JWT_SECRET_BYTES = 32;

export const DEFAULT_CONFIG: BackendConfig = {
  host: '127.0.0.1',
  port: 8000,
  dataDir: path.join(os.homedir(), '.flowscope'),
  allowedOrigins: [],
  maxConnectionsPerUser: 10,
  rateLimitMessages: 120,
  rateLimitWindowMs: 10_000,
  maxConcurrentRuns: 64,
  maxQueuedPerUser: 1000,
  engineIdleMs: 30_000,
  leaseMs: 10_000,
  agentModules: [],
  agentUrls: [],
  agentHeaders: [],
  agentReload: false,
  mcpServers: [],
  limits: DEFAULT_LIMITS,
  quiet: false,
  scriptLimits: DEFAULT_SCRIPT_LIMITS,
  runMaxEvents: DEFAULT_RUN_BUDGET.maxEvents,
  runMaxBytes: DEFAULT_RUN_BUDGET.maxBytes,
  thoughtMaxChars: DEFAULT_RUN_BUDGET.maxThoughtChars,
  cancelGraceMs: DEFAULT_CANCEL_GRACE_MS,
};

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Reads HOST, PORT, DATA_DIR, JWT_SECRET, DATABASE_URL, REDIS_URL, SCENARIO_DIR, ... then flags. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): BackendConfig {
  // parseFlags: parseArgs whose errors suggest the closest flag; `flowscope serve --help` lists this table.
  const { values } = parseFlags({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'jwt-secret': { type: 'string' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      'sqlite-driver': { type: 'string' },
      'allowed-origins': { type: 'string' },
      'max-connections-per-user': { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-concurrent-runs': { type: 'string' },
      'scenario-dir': { type: 'string' },
      agent: { type: 'string', multiple: true },
      'agent-url': { type: 'string', multiple: true },
      'agent-header': { type: 'string', multiple: true },
      'agent-protocol': {
        type: 'string',
        multiple: true,
        env: 'AGENT_PROTOCOLS',
        value: 'NAME=PROTOCOL',
        help: 'the protocol of that agent URL: flowscope (NDJSON, default) or ag-ui (docs/ag-ui.md)',
      },
      'agent-timeout-ms': { type: 'string' },
      'agent-idle-timeout-ms': { type: 'string' },
      'agent-reload': { type: 'boolean' },
      'no-agent-reload': { type: 'boolean' },
      'llm-model': { type: 'string' },
      'llm-base-url': { type: 'string' },
      'llm-api-key': { type: 'string' },
      'llm-idle-timeout-ms': { type: 'string' },
      'llm-timeout-ms': { type: 'string' },
      'llm-max-rounds': { type: 'string' },
      'llm-max-retries': { type: 'string' },
      'llm-system-prompt': { type: 'string' },
      'llm-max-answer-chars': { type: 'string' },
      'llm-max-reasoning-chars': { type: 'string' },
      'llm-max-tool-calls-per-turn': { type: 'string' },
      mcp: { type: 'string', multiple: true },
      'mcp-timeout-ms': { type: 'string' },
      ...Object.fromEntries(
        LIMIT_SETTINGS.map(([key, envName, flag, help]) => [
          flag,
          { type: 'string' as const, env: envName, value: 'N', help: `${help} (${DEFAULT_LIMITS[key]})` },
        ]),
      ),
      ...Object.fromEntries(
        RUN_SETTINGS.map(([key, envName, flag, help]) => {
          const fallback = DEFAULT_CONFIG[key];
          return [flag, { type: 'string' as const, env: envName, value: 'N', help: fallback === undefined ? help : `${help} (${fallback})` }];
        }),
      ),
      quiet: { type: 'boolean' },
      'log-format': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const flags = values as Record<string, unknown>;
  const pick = (flag: string | undefined, envName: string) => flag ?? env[envName];
  const origins = pick(values['allowed-origins'], 'ALLOWED_ORIGINS');
  const scenarioDir = pick(values['scenario-dir'], 'SCENARIO_DIR');
  const list = (flags: string[] | undefined, envName: string): string[] => (flags?.length ? flags.flatMap(splitList) : splitList(env[envName] ?? ''));
  const reloadEnv = env.AGENT_RELOAD;
  const agentReload = values['no-agent-reload']
    ? false
    : (values['agent-reload'] ??
      (reloadEnv !== undefined && reloadEnv !== '' ? !['0', 'false', 'no', 'off'].includes(reloadEnv.toLowerCase()) : env.NODE_ENV !== 'production'));
  const llmModel = pick(values['llm-model'], 'LLM_MODEL');
  const llm: LlmConfig | undefined = llmModel
    ? {
        model: llmModel,
        baseUrl: pick(values['llm-base-url'], 'LLM_BASE_URL') || undefined,
        apiKey: pick(values['llm-api-key'], 'LLM_API_KEY') || env.OPENAI_API_KEY || undefined,
        idleTimeoutMs: int(pick(values['llm-idle-timeout-ms'], 'LLM_IDLE_TIMEOUT_MS'), 'LLM_IDLE_TIMEOUT_MS'),
        timeoutMs: int(pick(values['llm-timeout-ms'], 'LLM_TIMEOUT_MS'), 'LLM_TIMEOUT_MS'),
        maxRounds: int(pick(values['llm-max-rounds'], 'LLM_MAX_ROUNDS'), 'LLM_MAX_ROUNDS'),
        maxRetries: int(pick(values['llm-max-retries'], 'LLM_MAX_RETRIES'), 'LLM_MAX_RETRIES'),
        systemPrompt: pick(values['llm-system-prompt'], 'LLM_SYSTEM_PROMPT') || undefined,
        maxAnswerChars: int(pick(values['llm-max-answer-chars'], 'LLM_MAX_ANSWER_CHARS'), 'LLM_MAX_ANSWER_CHARS'),
        maxReasoningChars: int(pick(values['llm-max-reasoning-chars'], 'LLM_MAX_REASONING_CHARS'), 'LLM_MAX_REASONING_CHARS'),
        maxToolCallsPerTurn: int(pick(values['llm-max-tool-calls-per-turn'], 'LLM_MAX_TOOL_CALLS_PER_TURN'), 'LLM_MAX_TOOL_CALLS_PER_TURN'),
      }
    : undefined;
  // Flags win over the environment; the message names whichever gave the bad value.
  const agentMs = (flag: string, envName: string, max: number): number | undefined => {
    const raw = flags[flag];
    return typeof raw === 'string' ? parseTimeoutSetting(raw, `--${flag}`, max) : parseTimeoutSetting(env[envName], envName, max);
  };
  const agentHeaders = agentHeadersFromConfig(env.AGENT_HEADERS, values['agent-header'] ?? []);
  const agentTimeoutMs = agentMs('agent-timeout-ms', 'AGENT_TIMEOUT_MS', MAX_TIMEOUT_MS);
  const agentIdleTimeoutMs = agentMs('agent-idle-timeout-ms', 'AGENT_IDLE_TIMEOUT_MS', MAX_IDLE_TIMEOUT_MS);
  const mcpServers = values.mcp?.length ? values.mcp : mcpEntriesFromEnv(env.FLOWSCOPE_MCP);
  parseMcpEntries(mcpServers); // a bad entry stops here, with MCP_INVALID_CONFIG and the entry
  const mcpTimeoutName = values['mcp-timeout-ms'] !== undefined ? '--mcp-timeout-ms' : 'FLOWSCOPE_MCP_TIMEOUT_MS';
  const mcpTimeoutMs = positiveInt(pick(values['mcp-timeout-ms'], 'FLOWSCOPE_MCP_TIMEOUT_MS'), mcpTimeoutName);
  if (mcpTimeoutMs !== undefined && mcpTimeoutMs > DEFAULT_TOOL_TIMEOUT_MS) {
    throw new Error(`${mcpTimeoutName} must be at most ${DEFAULT_TOOL_TIMEOUT_MS} (the limit of every tool call), got "${mcpTimeoutMs}"`);
  }
  const jwtSecret = pick(values['jwt-secret'], 'JWT_SECRET') || undefined;
  if (jwtSecret !== undefined) checkJwtSecret(jwtSecret);
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS };
  for (const [key, envName, flag] of LIMIT_SETTINGS) {
    const value = positiveInt(pick(flags[flag] as string | undefined, envName), envName);
    if (value !== undefined) limits[key] = value;
  }
  const runSettings: Partial<Pick<BackendConfig, (typeof RUN_SETTINGS)[number][0]>> = {};
  for (const [key, envName, flag] of RUN_SETTINGS) {
    const value = positiveInt(pick(flags[flag] as string | undefined, envName), envName);
    if (value !== undefined) runSettings[key] = value;
  }
  if (runSettings.runMaxEvents !== undefined && runSettings.runMaxEvents < 3) {
    throw new Error(`RUN_MAX_EVENTS must be at least 3 (agent_started, one event, agent_completed), got "${runSettings.runMaxEvents}"`);
  }
  return {
    ...DEFAULT_CONFIG,
    scriptLimits: {
      maxSteps: int(env.SCRIPT_MAX_STEPS, 'SCRIPT_MAX_STEPS') ?? DEFAULT_SCRIPT_LIMITS.maxSteps,
      maxTotalDelayMs: int(env.SCRIPT_MAX_DELAY_MS, 'SCRIPT_MAX_DELAY_MS') ?? DEFAULT_SCRIPT_LIMITS.maxTotalDelayMs,
    },
    host: pick(values.host, 'HOST') ?? DEFAULT_CONFIG.host,
    port: int(pick(values.port, 'PORT'), 'PORT') ?? DEFAULT_CONFIG.port,
    dataDir: path.resolve(pick(values['data-dir'], 'DATA_DIR') ?? DEFAULT_CONFIG.dataDir),
    jwtSecret,
    databaseUrl: pick(values['database-url'], 'DATABASE_URL') || undefined,
    redisUrl: pick(values['redis-url'], 'REDIS_URL') || undefined,
    sqliteDriver: parseSqliteDriverChoice(
      pick(values['sqlite-driver'], 'SQLITE_DRIVER'),
      values['sqlite-driver'] !== undefined ? '--sqlite-driver' : 'SQLITE_DRIVER',
    ),
    sqliteNativeBinding: env.SQLITE_NATIVE_BINDING ? path.resolve(env.SQLITE_NATIVE_BINDING) : undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    cacheKeyPrefix: env.CACHE_PREFIX || undefined,
    allowedOrigins: origins
      ? origins
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    maxConnectionsPerUser:
      int(pick(values['max-connections-per-user'], 'MAX_CONNECTIONS_PER_USER'), 'MAX_CONNECTIONS_PER_USER') ?? DEFAULT_CONFIG.maxConnectionsPerUser,
    rateLimitMessages: int(pick(values['rate-limit'], 'RATE_LIMIT'), 'RATE_LIMIT') ?? DEFAULT_CONFIG.rateLimitMessages,
    maxConcurrentRuns: int(pick(values['max-concurrent-runs'], 'MAX_CONCURRENT_RUNS'), 'MAX_CONCURRENT_RUNS') ?? DEFAULT_CONFIG.maxConcurrentRuns,
    scenarioDir: scenarioDir ? path.resolve(scenarioDir) : undefined,
    leaseMs: int(env.LEASE_MS, 'LEASE_MS') ?? DEFAULT_CONFIG.leaseMs,
    agentModules: list(values.agent, 'AGENTS'),
    agentUrls: list(values['agent-url'], 'AGENT_URLS'),
    agentHeaders,
    agentProtocols: list(values['agent-protocol'], 'AGENT_PROTOCOLS'),
    agentTimeoutMs,
    agentIdleTimeoutMs,
    agentReload,
    llm,
    mcpServers,
    mcpTimeoutMs,
    metricsToken: env.METRICS_TOKEN || undefined,
    limits,
    ...runSettings,
    quiet: values.quiet ?? false,
    logFormat: parseLogFormat(pick(values['log-format'], 'LOG_FORMAT'), values['log-format'] !== undefined ? '--log-format' : 'LOG_FORMAT'),
    logLevel: parseLogLevel(pick(values['log-level'], 'LOG_LEVEL'), values['log-level'] !== undefined ? '--log-level' : 'LOG_LEVEL'),
  };
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  const n = int(value, name);
  if (n === 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
}

/** Throws a one-line explanation when a configured JWT secret is too short. */
export function checkJwtSecret(secret: string): void {
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes < MIN_JWT_SECRET_BYTES) {
    throw new Error(
      `JWT_SECRET is ${bytes} bytes; at least ${MIN_JWT_SECRET_BYTES} are required (for example: openssl rand -base64 48), or leave it unset for a generated dev secret`,
    );
  }
}
