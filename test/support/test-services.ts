/**
 * Which real services the tests can use. PostgreSQL and Redis suites run when their server
 * answers; otherwise they are skipped with one visible line, except in CI (`CI=true`),
 * where a missing server is a failure.
 */
import net from 'node:net';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true' || process.env.CI === '1';

function listFromEnv(name: string, fallback: string[]): string[] {
  const raw = process.env[name];
  if (!raw) return fallback;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * Store adapters to run the contract suites against, by name: `STORES=sqlite,postgres`. The
 * suites look each name up in the store factory, so an unknown name fails them.
 */
export const STORES: readonly string[] = listFromEnv('STORES', ['sqlite', 'postgres']);
/** Cache adapters to run the contract suites against, by name: `CACHES=memory,redis` (unknown names fail). */
export const CACHES: readonly string[] = listFromEnv('CACHES', ['memory', 'redis']);

function portAnswers(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const parsed = new URL(url);
  const host = parsed.hostname || '127.0.0.1';
  const port = Number(parsed.port || defaultPort);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface ServiceAvailability {
  available: boolean;
  /** Why the suite is skipped, when it is. */
  reason: string;
}

async function check(name: string, url: string, port: number): Promise<ServiceAvailability> {
  const ok = await portAnswers(url, port);
  if (ok) return { available: true, reason: '' };
  const reason = `${name} at ${url.replace(/\/\/[^@/]*@/, '//')} does not answer`;
  if (IN_CI) throw new Error(`${reason}; CI=true requires it (start it, or see .ci/run).`);
  // One visible line per suite: the reason it is skipped.
  console.warn(`[skip] ${reason}: its suites are skipped. Start it to run them.`);
  return { available: false, reason };
}

export const postgresAvailable = (): Promise<ServiceAvailability> => check('PostgreSQL', TEST_DATABASE_URL, 5432);
export const redisAvailable = (): Promise<ServiceAvailability> => check('Redis', TEST_REDIS_URL, 6379);

/** A name unique to this test process and call, for schemas and key prefixes. */
export function uniqueTestName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/** Drops a PostgreSQL schema a test created (and everything in it); no-op when it is missing. */
export async function dropTestSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  } finally {
    await client.end();
  }
}
