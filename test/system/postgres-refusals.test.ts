/**
 * PostgreSQL refusing connections (defect 3), for real on the shared server without
 * reconfiguring it: a database of our own that stops accepting connections (55000), a role
 * of our own whose connection limit drops to 0 (53300), our own sessions terminated
 * (57P01). A backend on that database answers `UNAVAILABLE` (never `INTERNAL`) and logs a
 * warning, not an "unexpected" error.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, type WebSocketConstructor } from '../../client/index.ts';
import { startBackend, type RunningBackend } from '../../backend/server/flowscope-server.ts';
import { wrapConnection, type TestClient } from '../support/backend-harness.ts';
import { postgresAvailable, TEST_DATABASE_URL, uniqueTestName } from '../support/test-services.ts';

const pgUp = await postgresAvailable();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function urlWith(changes: { database?: string; user?: string }): string {
  const url = new URL(TEST_DATABASE_URL);
  if (changes.database) url.pathname = `/${changes.database}`;
  if (changes.user) url.username = changes.user;
  return url.toString();
}

interface Started {
  backend: RunningBackend;
  client: TestClient;
  logs: string[];
  /** The message of the last UNAVAILABLE reply expectUnavailable saw. */
  lastMessage?: string;
}

async function start(databaseUrl: string, schema?: string): Promise<Started> {
  const logs: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-refusal-'));
  const backend = await startBackend(
    {
      host: '127.0.0.1',
      port: 0,
      quiet: true,
      dataDir,
      databaseUrl,
      ...(schema ? { databaseSchema: schema } : {}),
      jwtSecret: 'refusal-secret-refusal-secret-0123456789',
    },
    (level, message, err) => logs.push(`${level}: ${message}${err instanceof Error ? ` (${err.name}: ${err.message})` : ''}`),
  );
  const token = await backend.mintToken('refused-user');
  const connection = connect({ url: backend.url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  await connection.ready;
  const client = wrapConnection(connection);
  cleanups.push(async () => {
    client.close();
    await backend.close().catch(() => undefined);
  });
  return { backend, client, logs };
}

async function expectUnavailable(started: Started, messageId: string, pattern: RegExp): Promise<void> {
  const { client, logs } = started;
  client.send({ type: 'user_message', message_id: messageId, payload: { content: 'what is 1 + 1?' } });
  const reply = await client.waitFor((e) => e.message_id === messageId && (e.type === 'error' || e.type === 'message_ack'), 15_000);
  expect(reply.type).toBe('error');
  expect((reply.payload as { code: string }).code).toBe('UNAVAILABLE');
  expect((reply.payload as { message: string }).message).toMatch(pattern);
  started.lastMessage = (reply.payload as { message: string }).message;
  expect(logs.join('\n')).not.toMatch(/unexpected/i);
  expect(logs.filter((l) => l.startsWith('error:'))).toEqual([]);
  expect(logs.some((l) => l.startsWith('warn:') && /unavailable/.test(l))).toBe(true);
}

/**
 * After our sessions are terminated, a message may still meet a pooled connection the news has
 * not reached (57P01, admin shutdown, or the connection closed under it): UNAVAILABLE too. Once
 * the pool has dropped those, a new connection meets the refusal itself. Every reply on the way
 * is UNAVAILABLE; the refusal must come within five messages.
 */
async function expectUnavailableUntil(started: Started, id: string, refusal: RegExp): Promise<void> {
  const stale = new RegExp(`${refusal.source}|57P01|closed the connection`);
  for (let attempt = 1; attempt <= 5; attempt++) {
    await expectUnavailable(started, `${id}-${attempt}`, attempt < 5 ? stale : refusal);
    if (refusal.test(started.lastMessage ?? '')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!pgUp.available)('PostgreSQL refusing connections is UNAVAILABLE', () => {
  it('55000: the database stops accepting connections', async () => {
    const database = uniqueTestName('fs_refuse');
    await admin((c) => c.query(`CREATE DATABASE "${database}"`));
    cleanups.push(async () => {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    });
    const started = await start(urlWith({ database }));
    await admin(async (c) => {
      await c.query(`ALTER DATABASE "${database}" WITH ALLOW_CONNECTIONS false`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [database]);
    });
    await expectUnavailableUntil(started, 'during-55000', /55000/);
  }, 30_000);

  it('53300: the role has no connection left', async () => {
    const role = uniqueTestName('fs_role');
    const schema = uniqueTestName('refuse');
    await admin(async (c) => {
      await c.query(`CREATE ROLE "${role}" LOGIN`);
      await c.query(`GRANT CREATE ON DATABASE "${new URL(TEST_DATABASE_URL).pathname.slice(1)}" TO "${role}"`);
    });
    cleanups.push(() =>
      admin(async (c) => {
        await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
        await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await c.query(`DROP OWNED BY "${role}"`);
        await c.query(`DROP ROLE IF EXISTS "${role}"`);
      }),
    );
    const started = await start(urlWith({ user: role }), schema);
    await admin(async (c) => {
      await c.query(`ALTER ROLE "${role}" CONNECTION LIMIT 0`);
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    });
    await expectUnavailableUntil(started, 'during-53300', /53300/);
  }, 30_000);
});
