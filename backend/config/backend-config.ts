/** Backend configuration (protocol.md §7): environment variables, overridden by CLI flags. */
import { parseArgs } from 'node:util';
import os from 'node:os';
import path from 'node:path';

export interface BackendConfig {
  host: string;
  port: number;
  dataDir: string;
  jwtSecret?: string | undefined;
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** PostgreSQL schema (DATABASE_SCHEMA), default `public`: several backends can share one database. */
  databaseSchema?: string | undefined;
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
  quiet: boolean;
}

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
  quiet: false,
};

function int(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return n;
}

/** Reads HOST, PORT, DATA_DIR, JWT_SECRET, DATABASE_URL, REDIS_URL, SCENARIO_DIR, ... then flags. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = []): BackendConfig {
  const { values } = parseArgs({
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
      quiet: { type: 'boolean' },
    },
  });
  const pick = (flag: string | undefined, envName: string) => flag ?? env[envName];
  const origins = pick(values['allowed-origins'], 'ALLOWED_ORIGINS');
  const scenarioDir = pick(values['scenario-dir'], 'SCENARIO_DIR');
  return {
    ...DEFAULT_CONFIG,
    host: pick(values.host, 'HOST') ?? DEFAULT_CONFIG.host,
    port: int(pick(values.port, 'PORT'), 'PORT') ?? DEFAULT_CONFIG.port,
    dataDir: path.resolve(pick(values['data-dir'], 'DATA_DIR') ?? DEFAULT_CONFIG.dataDir),
    jwtSecret: pick(values['jwt-secret'], 'JWT_SECRET') || undefined,
    databaseUrl: pick(values['database-url'], 'DATABASE_URL') || undefined,
    redisUrl: pick(values['redis-url'], 'REDIS_URL') || undefined,
    databaseSchema: env.DATABASE_SCHEMA || undefined,
    cacheKeyPrefix: env.CACHE_PREFIX || undefined,
    allowedOrigins: origins ? origins.split(',').map((s) => s.trim()).filter(Boolean) : [],
    maxConnectionsPerUser:
      int(pick(values['max-connections-per-user'], 'MAX_CONNECTIONS_PER_USER'), 'MAX_CONNECTIONS_PER_USER') ??
      DEFAULT_CONFIG.maxConnectionsPerUser,
    rateLimitMessages: int(pick(values['rate-limit'], 'RATE_LIMIT'), 'RATE_LIMIT') ?? DEFAULT_CONFIG.rateLimitMessages,
    maxConcurrentRuns:
      int(pick(values['max-concurrent-runs'], 'MAX_CONCURRENT_RUNS'), 'MAX_CONCURRENT_RUNS') ?? DEFAULT_CONFIG.maxConcurrentRuns,
    scenarioDir: scenarioDir ? path.resolve(scenarioDir) : undefined,
    leaseMs: int(env.LEASE_MS, 'LEASE_MS') ?? DEFAULT_CONFIG.leaseMs,
    quiet: values.quiet ?? false,
  };
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
