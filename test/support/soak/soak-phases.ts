/**
 * The soak phases (`npm run soak`, and a short form in `npm test`), each bounded in count and
 * time and aimed at 127.0.0.1 only:
 * - crashLoop: a real `flowscope serve` (SQLite) under load is SIGKILLed N times and
 *   restarted; every acknowledged message has its run, every run ends (none left queued or
 *   running), each run's events are seq 1..n with one agent_completed last, and SQLite's
 *   integrity_check is ok.
 * - outages: a backend on PostgreSQL and Redis, each behind a TCP proxy of our own, under
 *   load; the proxies are cut and restored in turn; every acknowledged run ends with seq
 *   1..n, and every client gets new messages through after the last outage.
 * - disconnects: forced disconnects with resume (test/support/disconnect-loop.ts): every
 *   event exactly once, in order.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createRestClient } from '../../../client/index.ts';
import { startBackend } from '../../../backend/server/flowscope-server.ts';
import { openSqliteDatabase } from '../../../backend/store/store-factory.ts';
import { forcedDisconnectLoop, type DisconnectLoopResult } from '../disconnect-loop.ts';
import { killAndWait, startServeProcess } from '../serve-process.ts';
import { CuttableProxy } from '../tcp-proxy.ts';
import { dropTestSchema, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueTestName } from '../test-services.ts';
import { shortScript, UserLoad } from './user-load.ts';

export interface PhaseResult {
  name: string;
  ok: boolean;
  /** Figures for the report, e.g. { kills: 20, accepted: 1234 }. */
  figures: Record<string, number | string>;
  problems: string[];
}

const SECRET = 'soak-secret-soak-secret-soak-secret-0123';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const between = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo));

interface RunRow {
  id: string;
  status: string;
  events: number;
  maxSeq: number;
  completed: number;
  lastType: string | null;
}

/** Checks stored runs: ended, seq 1..n, exactly one agent_completed and it is last. */
function checkRuns(rows: RunRow[], acked: Map<string, string>, problems: string[]): { ended: number } {
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const [messageId, runId] of acked) if (!byId.has(runId)) problems.push(`accepted message ${messageId}: run ${runId} is missing`);
  let ended = 0;
  for (const r of rows) {
    if (r.status === 'queued' || r.status === 'running') problems.push(`run ${r.id} left ${r.status}`);
    else ended += 1;
    if (r.events !== r.maxSeq) problems.push(`run ${r.id}: ${r.events} events but max seq ${r.maxSeq} (a gap)`);
    if (r.status !== 'queued' && r.status !== 'running' && (r.completed !== 1 || r.lastType !== 'agent_completed')) {
      problems.push(`run ${r.id} (${r.status}): ${r.completed} agent_completed, last event ${r.lastType}`);
    }
  }
  return { ended };
}

const RUNS_SQL = `
  SELECT r.id, r.status,
    (SELECT count(*) FROM events e WHERE e.run_id = r.id) AS events,
    COALESCE((SELECT max(seq) FROM events e WHERE e.run_id = r.id), 0) AS "maxSeq",
    (SELECT count(*) FROM events e WHERE e.run_id = r.id AND e.type = 'agent_completed') AS completed,
    (SELECT type FROM events e WHERE e.run_id = r.id ORDER BY seq DESC LIMIT 1) AS "lastType"
  FROM runs r`;

function sqliteRuns(file: string): RunRow[] {
  const db = openSqliteDatabase(file, { readOnly: true });
  try {
    return db
      .prepare<[], RunRow>(RUNS_SQL)
      .all()
      .map((r) => ({ ...r, events: Number(r.events), maxSeq: Number(r.maxSeq), completed: Number(r.completed) }));
  } finally {
    db.close();
  }
}

async function waitUntil(deadline: number, done: () => Promise<boolean> | boolean): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(200);
  }
  return done();
}

export async function crashLoop(options: { kills: number; users: number; deadlineMs: number; intervalMs?: number }): Promise<PhaseResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const problems: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-soak-crash-'));
  const env = { JWT_SECRET: SECRET, DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' };
  const args = ['--host', '127.0.0.1', '--data-dir', dataDir, '--quiet'];
  const loads: UserLoad[] = [];
  let kills = 0;
  let child: ChildProcess | null = null;
  try {
    let server = await startServeProcess(args, env);
    child = server.child;
    const rest = createRestClient(server.url);
    for (let u = 0; u < options.users; u++) {
      const userId = `crash-user-${u}`;
      loads.push(new UserLoad({ userId, token: (await rest.mintToken(userId, 86_400)).token, intervalMs: options.intervalMs ?? 60, script: shortScript }));
    }
    while (kills < options.kills && Date.now() < deadline) {
      for (const load of loads) load.start(server.url);
      await sleep(between(300, 900));
      await killAndWait(server.child, 'SIGKILL');
      kills += 1;
      for (const load of loads) load.stop();
      server = await startServeProcess(args, env);
      child = server.child;
    }
    // The last restart: unacknowledged messages are sent again, then every run must end.
    for (const load of loads) {
      load.start(server.url);
      load.quiesce();
    }
    const file = path.join(dataDir, 'flowscope.sqlite');
    await waitUntil(Math.max(deadline, Date.now() + 5000), () => loads.every((l) => l.unacked.size === 0));
    const settled = await waitUntil(Math.max(deadline, Date.now() + 20_000), () =>
      sqliteRuns(file).every((r) => r.status !== 'queued' && r.status !== 'running'),
    );
    if (!settled) problems.push('runs still queued or running after the last restart');
    for (const load of loads) load.stop();
    await killAndWait(server.child, 'SIGTERM');
    child = null;
    const acked = new Map(loads.flatMap((l) => [...l.acked]));
    const rows = sqliteRuns(file);
    const { ended } = checkRuns(rows, acked, problems);
    const db = openSqliteDatabase(file, { readOnly: true });
    const integrity = db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').get()?.integrity_check ?? 'no answer';
    db.close();
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    const interrupted = rows.filter((r) => r.status === 'interrupted').length;
    return {
      name: 'crash loop',
      ok: problems.length === 0,
      figures: {
        kills,
        accepted: acked.size,
        runs: rows.length,
        ended,
        interrupted,
        integrity_check: integrity,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      problems,
    };
  } finally {
    for (const load of loads) load.stop();
    if (child) await killAndWait(child, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function outages(options: { cycles: number; users: number; deadlineMs: number; outageMs?: [number, number] }): Promise<PhaseResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const problems: string[] = [];
  const schema = uniqueTestName('soak');
  const pgProxy = CuttableProxy.forUrl(TEST_DATABASE_URL, 5432);
  const redisProxy = CuttableProxy.forUrl(TEST_REDIS_URL, 6379);
  await pgProxy.open();
  await redisProxy.open();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-soak-outage-'));
  const warnings = { store: 0, cache: 0 };
  const backend = await startBackend(
    {
      host: '127.0.0.1',
      port: 0,
      quiet: true,
      dataDir,
      jwtSecret: SECRET,
      databaseUrl: pgProxy.rewrite(TEST_DATABASE_URL),
      databaseSchema: schema,
      redisUrl: redisProxy.rewrite(TEST_REDIS_URL),
      cacheKeyPrefix: `${schema}:`,
      leaseMs: 3000,
      rateLimitMessages: 100_000,
    },
    (level, message, err) => {
      if (level === 'error') problems.push(`error logged: ${message} ${err instanceof Error ? err.message : ''}`.slice(0, 300));
      if (/PostgreSQL/.test(String(err instanceof Error ? err.message : ''))) warnings.store += 1;
      if (/Redis/.test(String(err instanceof Error ? err.message : ''))) warnings.cache += 1;
    },
  );
  const loads: UserLoad[] = [];
  const [lo, hi] = options.outageMs ?? [800, 2000];
  let cuts = 0;
  try {
    for (let u = 0; u < options.users; u++) {
      const userId = `outage-user-${u}`;
      const load = new UserLoad({ userId, token: await backend.mintToken(userId, 86_400), intervalMs: 80, script: shortScript });
      loads.push(load);
      load.start(backend.url);
    }
    await sleep(500);
    for (let cycle = 0; cycle < options.cycles && Date.now() < deadline; cycle++) {
      for (const proxy of [pgProxy, redisProxy]) {
        await proxy.cut();
        cuts += 1;
        await sleep(between(lo, hi));
        await proxy.open();
        await sleep(700);
      }
    }
    const recoveredFrom = Date.now();
    // Clients recover: each gets new messages acknowledged after the last outage.
    const recovered = await waitUntil(Math.max(deadline, Date.now() + 15_000), () =>
      loads.every((l) => [...l.ackedAt.values()].some((t) => t > recoveredFrom)),
    );
    if (!recovered) problems.push('a client got no message through after the last outage');
    for (const load of loads) load.quiesce();
    await waitUntil(Math.max(deadline, Date.now() + 10_000), () => loads.every((l) => l.unacked.size === 0));
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    await client.query(`SET search_path TO "${schema}"`);
    const rows = async () =>
      (await client.query<RunRow>(RUNS_SQL)).rows.map((r) => ({ ...r, events: Number(r.events), maxSeq: Number(r.maxSeq), completed: Number(r.completed) }));
    try {
      const settled = await waitUntil(Math.max(deadline, Date.now() + 20_000), async () =>
        (await rows()).every((r) => r.status !== 'queued' && r.status !== 'running'),
      );
      if (!settled) problems.push('runs still queued or running after the outages');
      const acked = new Map(loads.flatMap((l) => [...l.acked]));
      const all = await rows();
      const { ended } = checkRuns(all, acked, problems);
      const unavailable = loads.reduce((n, l) => n + (l.errors.get('UNAVAILABLE') ?? 0), 0);
      const other = loads.flatMap((l) => [...l.errors].filter(([code]) => code !== 'UNAVAILABLE').map(([code, n]) => `${code}×${n}`));
      if (other.length) problems.push(`unexpected error codes: ${other.join(', ')}`);
      return {
        name: 'outages',
        ok: problems.length === 0,
        figures: {
          cuts,
          accepted: acked.size,
          runs: all.length,
          ended,
          failed: all.filter((r) => r.status === 'failed').length,
          unavailable_answers: unavailable,
          seconds: Math.round((Date.now() - started) / 1000),
        },
        problems,
      };
    } finally {
      await client.end();
    }
  } finally {
    for (const load of loads) load.stop();
    await backend.close().catch(() => undefined);
    await pgProxy.cut();
    await redisProxy.cut();
    await dropTestSchema(TEST_DATABASE_URL, schema).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function disconnects(options: { count: number; users: number; deadlineMs: number }): Promise<PhaseResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-soak-resume-'));
  const server = await startServeProcess(['--host', '127.0.0.1', '--data-dir', dataDir, '--quiet'], {
    JWT_SECRET: SECRET,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    REDIS_URL: '',
    RATE_LIMIT: '1000000',
    MAX_CONNECTIONS_PER_USER: '100',
  });
  try {
    const rest = createRestClient(server.url);
    const result: DisconnectLoopResult = await forcedDisconnectLoop({
      url: server.url,
      mintToken: async (userId) => (await rest.mintToken(userId, 86_400)).token,
      users: options.users,
      disconnects: options.count,
      deadlineMs: options.deadlineMs,
      userPrefix: 'soak-resume',
    });
    return {
      name: 'forced disconnects',
      ok: result.problems.length === 0,
      figures: {
        disconnects: result.disconnects,
        runs: result.runsCompleted,
        events_checked: result.eventsChecked,
        seconds: Math.round(result.elapsedMs / 1000),
      },
      problems: result.problems,
    };
  } finally {
    await killAndWait(server.child, 'SIGTERM');
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
