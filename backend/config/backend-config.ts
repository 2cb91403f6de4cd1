/** Backend configuration (protocol.md §7): environment variables, overridden by CLI flags. */
import { parseFlags } from './cli-flags.ts';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SCRIPT_LIMITS, type ScriptLimits } from '../agents/script-limits.ts';
import { agentHeadersFromConfig, type AgentHeaderEntry } from '../agents/http/agent-headers.ts';
import { parseTimeoutSetting } from '../agents/http/configured-http-agents.ts';
import { MAX_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS } from '../agents/http/http-agent.ts';

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
  /** AGENT_TIMEOUT_MS / --agent-timeout-ms: the whole exchange with an agent over HTTP (default 300 s). */
  agentTimeoutMs?: number | undefined;
  /** AGENT_IDLE_TIMEOUT_MS / --agent-idle-timeout-ms: no bytes from an agent over HTTP for this long fails the run (default 60 s). */
  agentIdleTimeoutMs?: number | undefined;
  /** Reload agent modules when their files change (AGENT_RELOAD; default on unless NODE_ENV=production). */
  agentReload: boolean;
  /** The `llm` agent, enabled when a model is set (LLM_MODEL, --llm-model). */
  llm?: LlmConfig | undefined;
  /** METRICS_TOKEN: when set, GET /metrics needs `Authorization: Bearer <it>` (and is then served to any peer); unset, loopback peers only. */
  metricsToken?: string | undefined;
  /** Connection limits of one process (issue 11; README configuration table). */
  limits: ConnectionLimits;
  quiet: boolean;
  /** Bounds of a `scripted` run (SCRIPT_MAX_STEPS, SCRIPT_MAX_DELAY_MS; backend/agents/script-limits.ts). */
  scriptLimits: ScriptLimits;
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
  limits: DEFAULT_LIMITS,
  quiet: false,
  scriptLimits: DEFAULT_SCRIPT_LIMITS,
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
      'allowed-origins': { type: 'string' },
      'max-connections-per-user': { type: 'string' },
      'rate-limit': { type: 'string' },
      'max-concurrent-runs': { type: 'string' },
      'scenario-dir': { type: 'string' },
      agent: { type: 'string', multiple: true },
      'agent-url': { type: 'string', multiple: true },
      'agent-header': { type: 'string', multiple: true },
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
      ...Object.fromEntries(
        LIMIT_SETTINGS.map(([key, envName, flag, help]) => [
          flag,
          { type: 'string' as const, env: envName, value: 'N', help: `${help} (${DEFAULT_LIMITS[key]})` },
        ]),
      ),
      quiet: { type: 'boolean' },
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
  const jwtSecret = pick(values['jwt-secret'], 'JWT_SECRET') || undefined;
  if (jwtSecret !== undefined) checkJwtSecret(jwtSecret);
  const limits: ConnectionLimits = { ...DEFAULT_LIMITS };
  for (const [key, envName, flag] of LIMIT_SETTINGS) {
    const value = positiveInt(pick(flags[flag] as string | undefined, envName), envName);
    if (value !== undefined) limits[key] = value;
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
    agentTimeoutMs,
    agentIdleTimeoutMs,
    agentReload,
    llm,
    metricsToken: env.METRICS_TOKEN || undefined,
    limits,
    quiet: values.quiet ?? false,
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
