/**
 * `npm run bench`: the full Flowscope pipeline against a bare Socket.IO server, each in its
 * own process (the server as users run it: `node bin/flowscope.js serve` on a free port
 * with a temporary DATA_DIR), driven by this one client process over Socket.IO (websocket).
 * Reports; asserts nothing. Per setup, one after another, side by side in one run:
 *
 * - closed loop: BENCH_USERS users (default 20), each sending its next message when the
 *   previous run's agent_completed arrived, for BENCH_SECONDS (default 3): messages/s;
 * - open loop at half that rate (messages arrive on a fixed schedule, round-robin over the
 *   users; latency counts from the scheduled send, so a stall is not hidden): p50/p99
 *   send → agent_completed;
 * - one user alone, closed loop: p50/p99;
 * - memory per idle authenticated connection: the server process's RSS (/proc) before and
 *   after BENCH_IDLE (default 2000) idle connections, one user each, divided by their count;
 * - ratios to the bare server: the bare server keeps running, its users connected, and each
 *   setup's closed loop is measured in BENCH_ROUNDS rounds (default 4) alternating with rounds
 *   of the bare server's, so both sides of a ratio come from the same minutes (this machine's
 *   speed drifts by half between runs minutes apart; a ratio of two loops taken apart drifted
 *   with it). The bare row itself is its own loop, taken first;
 * - the server process's CPU time per message of the closed loop (all its threads, from /proc;
 *   the database and cache servers' own not counted) and its ratio to the bare server's: the
 *   same comparison as msg/s, but a machine shared with other work slows both sides of it
 *   alike, where the msg/s of two runs minutes apart can differ by half;
 * - per message (closed loop), read from the server's `/metrics`: store statements, store
 *   transactions, cache round trips, bus publishes;
 * - the history variant: the closed loop again on a store first loaded (straight into the
 *   database, before the server starts) with BENCH_HISTORY (default 100,000) finished runs
 *   of the same users, each with its thread and message; its throughput should stay within
 *   10% of the empty store's (both measured in rounds beside the bare server, and compared by
 *   their ratios to it). Before the server starts, the store alone (no network) is timed
 *   too: accept + claim + finish for a user with that history against a new user (less noisy
 *   than the throughput on a shared machine). BENCH_HISTORY=0 skips it.
 *
 * PostgreSQL + Redis too when BENCH_DATABASE_URL and BENCH_REDIS_URL are set (a private
 * schema and key prefix, dropped afterwards). `--json FILE` writes the figures as JSON.
 * BENCH_CPU_PROF=DIR runs each server under `node --cpu-prof --cpu-prof-dir DIR`.
 * BENCH_CLIENT_BATCH=1: the clients ask for batched delivery (docs/protocol.md; a turn's
 * envelopes in one frame): Flowscope's figures are then those of such clients, the bare
 * server's are unchanged (it sends one frame per event, as its clients expect).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import { TokenService } from '../backend/auth/token-service.ts';
import { createStore, SQLITE_FILENAME } from '../backend/store/store-factory.ts';
import type { RunRecord, Store } from '../backend/store/store-types.ts';

const root = path.resolve(import.meta.dirname, '..');
const USERS = Number(process.env.BENCH_USERS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IDLE = Number(process.env.BENCH_IDLE ?? 2000);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
const CLIENT_BATCH = process.env.BENCH_CLIENT_BATCH === '1';
/** Rounds of a setup's closed loop, each after a round of the bare server's (see interleavedClosedLoop). */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 4)) || 4);
/**
 * BENCH_BUILD=1: the server runs the package's build (dist/node, `npm run build:node` first), as
 * an installed package runs it; by default the checkout's sources through tsx's loader, as
 * bin/flowscope.js runs them here (its transform keeps function names: a few % more CPU). The
 * bare server (bench/bare-server.ts, a few lines) runs through tsx either way.
 */
const BUILD = process.env.BENCH_BUILD === '1';
const SERVER_ENTRY = path.join(root, BUILD ? 'dist/node/cli/flowscope-cli.js' : 'bin/flowscope.js');
if (BUILD && !fs.existsSync(SERVER_ENTRY)) {
  console.error(`bench: ${SERVER_ENTRY} is missing: run npm run build:node first`);
  process.exit(2);
}
if (BUILD) {
  const builtAt = fs.statSync(SERVER_ENTRY).mtimeMs;
  const newer = ['backend', 'protocol', 'cli'].flatMap((dir) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && fs.statSync(path.join(root, dir, f)).mtimeMs > builtAt),
  );
  if (newer.length > 0)
    console.error(`bench: ${newer.length} source files are newer than dist/node (${newer[0]}…): run npm run build:node for a build of them`);
}
const SECRET = 'bench-secret-bench-secret-bench-secret-00';
const jsonIndex = process.argv.indexOf('--json');
const jsonFile = jsonIndex >= 0 ? process.argv[jsonIndex + 1] : undefined;
if (jsonIndex >= 0 && !jsonFile) {
  console.error('usage: npm run bench [-- --json FILE]');
  process.exit(2);
}

interface Latency {
  p50: number;
  p99: number;
  count: number;
}

interface SetupResult {
  setup: string;
  /** Closed loop, USERS users. */
  messagesPerSecond: number;
  ratioToBare: number;
  /** Open loop at half the closed-loop rate. */
  halfLoad: Latency & { rate: number };
  oneUser: Latency;
  /** RSS delta per idle connection, bytes. */
  bytesPerIdleConnection: number;
  /** Per message of the closed loop, from /metrics (null for the bare server). */
  perMessage: IoCounts | null;
  /** The server process's CPU time per message of the closed loop, µs (null where /proc is not). */
  cpuMicrosPerMessage: number | null;
  /** The bare server's CPU per message over this one's (1 for the bare server). */
  cpuRatioToBare: number | null;
  /**
   * The bare server's closed loop in the rounds alternating with this setup's (null for the
   * bare server itself): the ratios are to these figures.
   */
  bareInterleaved: { messagesPerSecond: number; cpuMicrosPerMessage: number | null } | null;
}

interface IoCounts {
  statements: number;
  transactions: number;
  cacheRoundTrips: number;
  busPublishes: number;
}

interface HistoryResult {
  setup: string;
  historyRuns: number;
  loadSeconds: number;
  messagesPerSecond: number;
  /** To the same setup on an empty store: of their ratios to the bare server measured beside each. */
  ratioToEmpty: number;
  /** The store alone (no server): µs per accept + claim + finish, a user with that history vs a new user. */
  storeMicros: { history: number; fresh: number };
  perMessage: IoCounts | null;
  cpuMicrosPerMessage: number | null;
  /** The empty store's CPU per message over this one's (steadier than msg/s on a shared machine). */
  cpuRatioToEmpty: number | null;
}

interface Server {
  child: ChildProcess;
  url: string;
  /** With a history: see storeCycleMicros. */
  storeMicros?: { history: number; fresh: number } | undefined;
  token(userId: string): Promise<string>;
  cleanup(): Promise<void>;
}

function waitForUrl(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${out}`)));
  });
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function nodeArgs(label: string): string[] {
  if (!CPU_PROF) return [];
  fs.mkdirSync(CPU_PROF, { recursive: true });
  return ['--cpu-prof', '--cpu-prof-dir', CPU_PROF, '--cpu-prof-name', `${label}-${Date.now()}.cpuprofile`];
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  children.delete(child);
}

async function startBare(): Promise<Server> {
  const child = spawn(process.execPath, [...nodeArgs('bare'), '--import', 'tsx', path.join(root, 'bench/bare-server.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const url = await waitForUrl(child, 'the bare server');
  return { child, url, token: async () => 'none', cleanup: async () => undefined };
}

/** Users of a setup: the same names in its history (loaded before the server starts) and its loops. */
const userPrefix = (label: string) => `bench-${label}`;

/**
 * `runs` finished runs (each with its thread and message) for the setup's USERS users,
 * round-robin, written straight into the store's tables in one statement per table.
 */
async function loadHistory(
  label: string,
  runs: number,
  dataDir: string,
  pgTarget?: { databaseUrl: string; schema: string },
): Promise<{ history: number; fresh: number }> {
  const open = () => createStore(pgTarget ? { dataDir, databaseUrl: pgTarget.databaseUrl, schema: pgTarget.schema } : { dataDir });
  // The server's own migrations make the schema.
  await (await open()).close();
  await insertHistory(label, runs, dataDir, pgTarget);
  const store = await open();
  try {
    return await storeCycleMicros(store, `${userPrefix(label)}-0`, `${userPrefix(label)}-fresh`);
  } finally {
    await store.close();
  }
}

/**
 * The store's own cost of one message, without the server: per round, 100 messages of one
 * user accepted at once, then claimed, then finished (with a final event), each step in one
 * batch, so what is timed is the statements, not the event loop's turns. For a user with the
 * loaded history and for a new user, alternating rounds; µs per message, the median round.
 */
async function storeCycleMicros(store: Store, historyUser: string, freshUser: string): Promise<{ history: number; fresh: number }> {
  const PER_ROUND = 100;
  let n = 0;
  const acceptOne = (userId: string) => {
    const i = n++;
    const at = new Date().toISOString();
    const threadId = `thr_c${i}`;
    const messageId = `msg_c${i}`;
    return store.acceptMessage({
      thread: { id: threadId, title: 'cycle' },
      message: { id: messageId, threadId, userId, clientMessageId: `c-${i}`, content: 'cycle', agent: 'echo', priority: 'normal', createdAt: at },
      run: {
        id: `run_c${i}`,
        userId,
        threadId,
        messageId,
        agent: 'echo',
        priority: 'normal',
        status: 'queued',
        input: { content: 'cycle', agent: 'echo' },
        response: null,
        error: null,
        createdAt: at,
        startedAt: null,
        endedAt: null,
        ownerId: null,
      },
      maxQueuedPerUser: 10 * PER_ROUND,
    });
  };
  const finishOne = (run: RunRecord) => {
    const at = new Date().toISOString();
    const envelope = {
      type: 'agent_completed',
      run_id: run.id,
      thread_id: run.threadId,
      message_id: run.messageId,
      user_id: run.userId,
      seq: 1,
      timestamp: at,
      payload: {},
    };
    return store.finishRun(run.id, {
      status: 'succeeded',
      response: 'ok',
      error: null,
      endedAt: at,
      finalEvent: { runId: run.id, seq: 1, userId: run.userId, type: 'agent_completed', envelope: envelope as never, createdAt: at },
      expectedStatuses: ['running'],
      expectedOwnerId: 'bench',
    });
  };
  const round = async (userId: string) => {
    await Promise.all(Array.from({ length: PER_ROUND }, () => acceptOne(userId)));
    const claimed = await Promise.all(Array.from({ length: PER_ROUND }, () => store.claimNextRun(userId, 'bench', new Date().toISOString())));
    await Promise.all(claimed.map((run) => (run ? finishOne(run) : undefined)));
  };
  const rounds: Record<'history' | 'fresh', number[]> = { history: [], fresh: [] };
  for (let r = 0; r < 7; r++) {
    for (const [kind, userId] of [
      ['history', historyUser],
      ['fresh', freshUser],
    ] as const) {
      const t0 = performance.now();
      await round(userId);
      rounds[kind].push(((performance.now() - t0) * 1000) / PER_ROUND);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { history: median(rounds.history), fresh: median(rounds.fresh) };
}

async function insertHistory(label: string, runs: number, dataDir: string, pgTarget?: { databaseUrl: string; schema: string }): Promise<void> {
  const user = `'${userPrefix(label)}-' || (i % ${USERS})`;
  const at = `'2026-01-01T00:00:00.000Z'`;
  const input = `'{"content":"history","agent":"echo"}'`;
  if (!pgTarget) {
    const db = new Database(path.join(dataDir, SQLITE_FILENAME));
    const series = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${runs})`;
    db.transaction(() => {
      db.exec(`${series} INSERT INTO threads (id, user_id, title, created_at, updated_at) SELECT 'thr_h' || i, ${user}, 'history', ${at}, ${at} FROM n`);
      db.exec(`${series} INSERT INTO messages (id, thread_id, user_id, client_message_id, content, agent, priority, created_at)
               SELECT 'msg_h' || i, 'thr_h' || i, ${user}, 'h-' || i, 'history', 'echo', 'normal', ${at} FROM n`);
      db.exec(`${series} INSERT INTO runs (id, user_id, thread_id, message_id, agent, priority, priority_rank, status, input, response, created_at, started_at, ended_at)
               SELECT 'run_h' || i, ${user}, 'thr_h' || i, 'msg_h' || i, 'echo', 'normal', 1, 'succeeded', ${input}, 'history', ${at}, ${at}, ${at} FROM n`);
    })();
    // No ANALYZE: Flowscope never runs it, so a store that grew by use has no statistics either.
    db.close();
    return;
  }
  const db = new pg.Client({ connectionString: pgTarget.databaseUrl });
  await db.connect();
  try {
    const series = `FROM generate_series(0, ${runs - 1}) AS i`;
    await db.query(`SET search_path TO "${pgTarget.schema}"`);
    await db.query('BEGIN');
    await db.query(`INSERT INTO threads (id, user_id, title, created_at, updated_at) SELECT 'thr_h' || i, ${user}, 'history', ${at}, ${at} ${series}`);
    await db.query(`INSERT INTO messages (id, thread_id, user_id, client_message_id, content, agent, priority, created_at)
                    SELECT 'msg_h' || i, 'thr_h' || i, ${user}, 'h-' || i, 'history', 'echo', 'normal', ${at} ${series}`);
    await db.query(`INSERT INTO runs (id, user_id, thread_id, message_id, agent, priority, priority_rank, status, input, response, created_at, started_at, ended_at)
                    SELECT 'run_h' || i, ${user}, 'thr_h' || i, 'msg_h' || i, 'echo', 'normal', 1, 'succeeded', ${input}::json, 'history', ${at}, ${at}, ${at} ${series}`);
    await db.query('COMMIT');
    // What autovacuum does to a table that grew by use.
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
}

async function startFlowscope(label: string, services?: { databaseUrl: string; redisUrl: string }, historyRuns = 0): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-bench-'));
  const name = `flowscope_bench_${process.pid}_${Date.now().toString(36)}`;
  const storeMicros =
    historyRuns > 0 ? await loadHistory(label, historyRuns, dataDir, services ? { databaseUrl: services.databaseUrl, schema: name } : undefined) : undefined;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DATA_DIR: dataDir,
    JWT_SECRET: SECRET,
    RATE_LIMIT: '1000000000',
    MAX_CONCURRENT_RUNS: '64',
    // Every client of the bench comes from one address: the per-address caps, sized for the
    // open internet, would refuse the idle phase (batches of 50 handshakes, 2,000 connections).
    MAX_CONNECTIONS_PER_ADDRESS: String(IDLE + USERS + 100),
    MAX_HANDSHAKES_PER_ADDRESS: '256',
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  if (services) Object.assign(env, { DATABASE_URL: services.databaseUrl, REDIS_URL: services.redisUrl, DATABASE_SCHEMA: name, CACHE_PREFIX: `${name}:` });
  const child = spawn(process.execPath, [...nodeArgs(label), SERVER_ENTRY, 'serve', '--port', '0', '--quiet'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const url = await waitForUrl(child, `flowscope serve (${label})`);
  const tokens = new TokenService(SECRET);
  return {
    child,
    url,
    storeMicros,
    token: async (userId) => (await tokens.issue(userId, 3600)).token,
    cleanup: async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (!services) return;
      const db = new pg.Client({ connectionString: services.databaseUrl });
      await db.connect();
      await db.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`).finally(() => db.end());
      const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/** One Socket.IO client; `completed` fires with the message id of every agent_completed. */
interface Client {
  socket: Socket;
  send(messageId: string, content: string): void;
}

function openClient(url: string, token: string, onCompleted: (messageId: string) => void): Promise<Client> {
  const socket = ioClient(url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
    auth: CLIENT_BATCH ? { token, batch: true } : { token },
  });
  // Events carry the server's message id; the ack ties the run to ours.
  const byRun = new Map<string, string>();
  const acked = (e: { message_id: string; run_id: string }) => byRun.set(e.run_id, e.message_id);
  const completed = (e: { run_id: string }) => {
    const id = byRun.get(e.run_id);
    byRun.delete(e.run_id);
    if (id !== undefined) onCompleted(id);
  };
  socket.on('message_ack', acked);
  socket.on('agent_completed', completed);
  // Batched delivery (BENCH_CLIENT_BATCH=1): the same envelopes, a turn's worth per event; the bare server never batches.
  socket.on('batch', (envelopes: Array<{ type: string; message_id: string; run_id: string }>) => {
    for (const e of envelopes) {
      if (e.type === 'message_ack') acked(e);
      else if (e.type === 'agent_completed') completed(e);
      else if (e.type === 'error') console.error('bench: server error envelope', e);
    }
  });
  socket.on('error', (e: unknown) => console.error('bench: server error envelope', e));
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') console.error(`bench: a client was disconnected (${reason})`);
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () =>
      resolve({
        socket,
        send: (messageId, content) => socket.emit('message', JSON.stringify({ type: 'user_message', message_id: messageId, payload: { content } })),
      }),
    );
    socket.once('connect_error', (err) => reject(new Error(`connect failed: ${err.message}`)));
  });
}

/** The server's I/O counters and accepted messages, from /metrics (null: no /metrics, the bare server). */
async function ioSnapshot(url: string): Promise<(IoCounts & { messages: number }) | null> {
  // The bare server answers no HTTP request (it would hang): bounded.
  const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) }).catch(() => null);
  if (!res?.ok) return null;
  const text = await res.text();
  const sum = (name: string) => {
    let total = 0;
    for (const line of text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return total;
  };
  return {
    statements: sum('flowscope_store_statements_total'),
    transactions: sum('flowscope_store_transactions_total'),
    cacheRoundTrips: sum('flowscope_cache_round_trips_total'),
    busPublishes: sum('flowscope_bus_messages_published_total'),
    messages: sum('flowscope_messages_accepted_total'),
  };
}

/** Counts per message between two snapshots. */
function perMessage(before: Awaited<ReturnType<typeof ioSnapshot>>, after: Awaited<ReturnType<typeof ioSnapshot>>): IoCounts | null {
  if (!before || !after || after.messages <= before.messages) return null;
  const n = after.messages - before.messages;
  return {
    statements: (after.statements - before.statements) / n,
    transactions: (after.transactions - before.transactions) / n,
    cacheRoundTrips: (after.cacheRoundTrips - before.cacheRoundTrips) / n,
    busPublishes: (after.busPublishes - before.busPublishes) / n,
  };
}

function quantiles(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), count: sorted.length };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Clients whose completions are routed to `pending` by message id. */
async function openUsers(server: Server, prefix: string, n: number, pending: Map<string, (at: number) => void>): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: n }, async (_, u) =>
      openClient(server.url, await server.token(`${prefix}-${u}`), (id) => {
        const done = pending.get(id);
        if (done) {
          pending.delete(id);
          done(performance.now());
        }
      }),
    ),
  );
}

/** A process's CPU time so far (user + system, all its threads), µs; null where /proc is not. */
function cpuMicros(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** USER_HZ: the unit of /proc's CPU times (100 on Linux whatever the kernel's own tick). */
const CLOCK_TICKS = 100;

/**
 * Each client sends its next message when the previous completed, for `seconds`; with `pid`,
 * that process's CPU time per completed message too.
 */
async function closedLoop(clients: Client[], pending: Map<string, (at: number) => void>, tag: string, seconds: number, pid?: number): Promise<LoopResult> {
  const latencies: number[] = [];
  let completed = 0;
  const cpuBefore = pid === undefined ? null : cpuMicros(pid);
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    clients.map(
      (client, u) =>
        new Promise<void>((resolve) => {
          // A completion that never comes (a dropped connection) must not hang the bench.
          setTimeout(resolve, (seconds + 30) * 1000).unref();
          let i = 0;
          const next = () => {
            if (performance.now() >= end) return resolve();
            const id = `${tag}-${u}-${i++}`;
            const sentAt = performance.now();
            pending.set(id, (at) => {
              latencies.push(at - sentAt);
              completed += 1;
              next();
            });
            client.send(id, `what is ${u} + ${i}?`);
          };
          next();
        }),
    ),
  );
  const cpuAfter = pid === undefined ? null : cpuMicros(pid);
  return loopResult(completed, (performance.now() - t0) / 1000, cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null, latencies);
}

/** A loop's figures from its counts: messages over time, CPU over messages. */
function loopResult(completed: number, seconds: number, cpuMicros: number | null, latencies: number[]): LoopResult {
  return {
    perSecond: completed / seconds,
    latencies,
    cpuMicrosPerMessage: cpuMicros !== null && completed > 0 ? cpuMicros / completed : null,
    completed,
    seconds,
    cpuMicros,
  };
}

interface LoopResult {
  perSecond: number;
  latencies: number[];
  cpuMicrosPerMessage: number | null;
  completed: number;
  seconds: number;
  /** The server's CPU time over the loop, µs (null where /proc is not). */
  cpuMicros: number | null;
}

/** Loops of one server taken together: their messages over their time, their CPU over their messages. */
function combined(loops: LoopResult[]): LoopResult {
  const completed = loops.reduce((n, l) => n + l.completed, 0);
  const seconds = loops.reduce((n, l) => n + l.seconds, 0);
  const cpu = loops.every((l) => l.cpuMicros !== null) ? loops.reduce((n, l) => n + l.cpuMicros!, 0) : null;
  return loopResult(
    completed,
    seconds,
    cpu,
    loops.flatMap((l) => l.latencies),
  );
}

/**
 * The bare server, kept running with its users connected while the other setups are measured:
 * their closed loops alternate with its own (ROUNDS rounds each), so both sides of a ratio
 * are measured over the same minutes of a machine whose speed drifts.
 */
interface Reference {
  server: Server;
  users: Client[];
  pending: Map<string, (at: number) => void>;
}

/**
 * The closed loop of `users` on `server`, SECONDS in all, in ROUNDS rounds alternating with
 * rounds of the bare server (when given); returns both, each combined over its rounds.
 */
async function interleavedClosedLoop(
  users: Client[],
  pending: Map<string, (at: number) => void>,
  server: Server,
  reference: Reference | null,
): Promise<{ closed: LoopResult; bare: LoopResult | null }> {
  if (!reference) return { closed: await closedLoop(users, pending, 'closed', SECONDS, server.child.pid), bare: null };
  const mine: LoopResult[] = [];
  const bares: LoopResult[] = [];
  const bareRound = async (round: number) =>
    bares.push(await closedLoop(reference.users, reference.pending, `bare-round${round}`, SECONDS / ROUNDS, reference.server.child.pid));
  const myRound = async (round: number) => mine.push(await closedLoop(users, pending, `closed-round${round}`, SECONDS / ROUNDS, server.child.pid));
  // bare, this, this, bare, bare, this...: neither side always goes first.
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await bareRound(round);
      await myRound(round);
    } else {
      await myRound(round);
      await bareRound(round);
    }
  }
  return { closed: combined(mine), bare: combined(bares) };
}

/** Messages at a fixed `rate`, round-robin over the clients; latency from the scheduled time. */
async function openLoop(clients: Client[], pending: Map<string, (at: number) => void>, tag: string, rate: number, seconds: number): Promise<number[]> {
  const latencies: number[] = [];
  const total = Math.max(1, Math.round(rate * seconds));
  let sent = 0;
  let outstanding = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - t0) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const scheduled = t0 + (sent / rate) * 1000;
        const u = sent % clients.length;
        const id = `${tag}-${sent}`;
        outstanding += 1;
        pending.set(id, (at) => {
          latencies.push(at - scheduled);
          outstanding -= 1;
          if (sent === total && outstanding === 0) resolve();
        });
        clients[u]!.send(id, `what is ${u} + ${sent}?`);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
    // A completion that never comes (a dropped connection) must not hang the bench.
    setTimeout(
      () => {
        if (outstanding > 0) console.error(`bench: ${tag}: ${outstanding} messages never completed`);
        resolve();
      },
      (seconds + 30) * 1000,
    ).unref();
  });
  return latencies;
}

function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kb * 1024;
}

async function idleMemory(server: Server, prefix: string): Promise<number> {
  const pid = server.child.pid!;
  await sleep(500);
  const before = rssBytes(pid);
  const sockets: Socket[] = [];
  for (let i = 0; i < IDLE; i += 50) {
    const batch = await Promise.all(
      Array.from(
        { length: Math.min(50, IDLE - i) },
        async (_, j) => (await openClient(server.url, await server.token(`${prefix}-idle-${i + j}`), () => undefined)).socket,
      ),
    );
    sockets.push(...batch);
  }
  await sleep(1000);
  const after = rssBytes(pid);
  for (const s of sockets) s.disconnect();
  await sleep(500);
  return (after - before) / IDLE;
}

async function measure(setup: string, label: string, server: Server, reference: Reference | null): Promise<SetupResult> {
  const prefix = userPrefix(label);
  const pending = new Map<string, (at: number) => void>();
  const users = await openUsers(server, prefix, USERS, pending);
  await closedLoop(users, pending, 'warm', 1);
  const counted = reference !== null; // the bare server has no /metrics
  const ioBefore = counted ? await ioSnapshot(server.url) : null;
  const { closed, bare } = await interleavedClosedLoop(users, pending, server, reference);
  const io = counted ? perMessage(ioBefore, await ioSnapshot(server.url)) : null;
  const rate = closed.perSecond / 2;
  const half = quantiles(await openLoop(users, pending, 'open', rate, SECONDS));
  for (const c of users) c.socket.disconnect();
  const [single] = await openUsers(server, `${prefix}-solo`, 1, pending);
  await closedLoop([single!], pending, 'solo-warm', 0.3);
  const one = quantiles((await closedLoop([single!], pending, 'solo', Math.min(2, SECONDS))).latencies);
  single!.socket.disconnect();
  // Last: 2,000 connections opened and dropped would slow the client's loops that follow.
  const bytesPerIdleConnection = await idleMemory(server, prefix);
  return {
    setup,
    messagesPerSecond: closed.perSecond,
    ratioToBare: bare ? closed.perSecond / bare.perSecond : 1,
    bareInterleaved: bare ? { messagesPerSecond: bare.perSecond, cpuMicrosPerMessage: bare.cpuMicrosPerMessage } : null,
    halfLoad: { ...half, rate },
    oneUser: one,
    bytesPerIdleConnection,
    perMessage: io,
    cpuMicrosPerMessage: closed.cpuMicrosPerMessage,
    cpuRatioToBare: bare === null ? 1 : closed.cpuMicrosPerMessage && bare.cpuMicrosPerMessage ? bare.cpuMicrosPerMessage / closed.cpuMicrosPerMessage : null,
  };
}

async function run(setup: string, label: string, start: () => Promise<Server>, reference: Reference): Promise<SetupResult> {
  const server = await start();
  try {
    return await measure(setup, label, server, reference);
  } finally {
    await stop(server.child);
    await server.cleanup();
  }
}

/**
 * The closed loop alone, on a store loaded with HISTORY finished runs of the same users, in
 * rounds alternating with the bare server's like the empty store's: its ratio to the empty
 * store is of their ratios to the bare server beside each (two loops minutes apart would
 * compare the machine's drift as much as the store).
 */
async function runHistory(
  empty: SetupResult,
  label: string,
  reference: Reference,
  services?: { databaseUrl: string; redisUrl: string },
): Promise<HistoryResult> {
  const loadStarted = performance.now();
  const server = await startFlowscope(label, services, HISTORY);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  try {
    const pending = new Map<string, (at: number) => void>();
    const users = await openUsers(server, userPrefix(label), USERS, pending);
    await closedLoop(users, pending, 'warm', 1);
    const before = await ioSnapshot(server.url);
    const { closed, bare } = await interleavedClosedLoop(users, pending, server, reference);
    const io = perMessage(before, await ioSnapshot(server.url));
    for (const c of users) c.socket.disconnect();
    return {
      setup: empty.setup,
      historyRuns: HISTORY,
      loadSeconds,
      messagesPerSecond: closed.perSecond,
      ratioToEmpty: closed.perSecond / bare!.perSecond / empty.ratioToBare,
      cpuRatioToEmpty: closed.cpuMicrosPerMessage && empty.cpuMicrosPerMessage ? empty.cpuMicrosPerMessage / closed.cpuMicrosPerMessage : null,
      storeMicros: server.storeMicros ?? { history: NaN, fresh: NaN },
      perMessage: io,
      cpuMicrosPerMessage: closed.cpuMicrosPerMessage,
    };
  } finally {
    await stop(server.child);
    await server.cleanup();
  }
}

const t0 = Date.now();
const results: SetupResult[] = [];
const histories: HistoryResult[] = [];
const bareServer = await startBare();
const reference: Reference = { server: bareServer, pending: new Map(), users: [] };
try {
  results.push(await measure('bare Socket.IO, same seven emits', 'bare', bareServer, null));
  reference.users = await openUsers(bareServer, userPrefix('bare-reference'), USERS, reference.pending);
  if (process.env.BENCH_BARE_ONLY !== '1') {
    const embedded = await run('Flowscope, SQLite + in-process cache', 'embedded', () => startFlowscope('embedded'), reference);
    results.push(embedded);
    if (HISTORY > 0) histories.push(await runHistory(embedded, 'embedded', reference));
  }
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  const redisUrl = process.env.BENCH_REDIS_URL;
  if (databaseUrl && redisUrl) {
    const services = { databaseUrl, redisUrl };
    const postgres = await run('Flowscope, PostgreSQL + Redis', 'postgres', () => startFlowscope('postgres', services), reference);
    results.push(postgres);
    if (HISTORY > 0) histories.push(await runHistory(postgres, 'postgres', reference, services));
  } else if (databaseUrl || redisUrl) {
    console.error('bench: set both BENCH_DATABASE_URL and BENCH_REDIS_URL to measure PostgreSQL + Redis');
  }
} finally {
  for (const c of reference.users) c.socket.disconnect();
  await stop(bareServer.child);
}

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
console.log(
  `\n${USERS} users closed loop for ${SECONDS} s; open loop at half that rate; ${IDLE} idle connections;${CLIENT_BATCH ? ' clients ask for batched delivery;' : ''} ${os.cpus().length} cores, ${process.version}, ${((Date.now() - t0) / 1000).toFixed(0)} s in all\n`,
);
const cpu = (micros: number | null, ratio: number | null) =>
  micros === null ? 'n/a | n/a' : `${micros.toFixed(0)} | ${ratio === null ? 'n/a' : ratio.toFixed(3)}`;
console.log(
  '| setup | msg/s | ratio to bare (beside it) | server CPU µs per message | CPU ratio (bare / this) | p50 / p99 at half load | one user p50 / p99 | KB per idle connection |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.setup} | ${r.messagesPerSecond.toFixed(0)} | ${r.ratioToBare.toFixed(3)} | ${cpu(r.cpuMicrosPerMessage, r.cpuRatioToBare)} | ${ms(r.halfLoad.p50)} / ${ms(r.halfLoad.p99)} ms at ${r.halfLoad.rate.toFixed(0)}/s | ${ms(r.oneUser.p50)} / ${ms(r.oneUser.p99)} ms | ${(r.bytesPerIdleConnection / 1024).toFixed(1)} |`,
  );
}
const alongside = results.filter((r) => r.bareInterleaved);
if (alongside.length > 0) {
  const figures = alongside.map(
    (r) =>
      `${r.bareInterleaved!.messagesPerSecond.toFixed(0)} msg/s${r.bareInterleaved!.cpuMicrosPerMessage === null ? '' : `, ${r.bareInterleaved!.cpuMicrosPerMessage.toFixed(0)} µs`} alongside ${r.setup}`,
  );
  console.log(
    `\nRatios are to the bare server's closed loop in ${ROUNDS} rounds alternating with the setup's own (${(SECONDS / ROUNDS).toFixed(2)} s each): ${figures.join('; ')}.`,
  );
}
const counts = (c: IoCounts | null) =>
  c ? `${c.statements.toFixed(1)} | ${c.transactions.toFixed(2)} | ${c.cacheRoundTrips.toFixed(2)} | ${c.busPublishes.toFixed(2)}` : 'n/a | n/a | n/a | n/a';
console.log('\nPer message (closed loop, from /metrics):\n');
console.log('| setup | store statements | store transactions | cache round trips | bus publishes |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) if (r.perMessage) console.log(`| ${r.setup} | ${counts(r.perMessage)} |`);
if (histories.length > 0) {
  console.log(`\nWith history (closed loop after ${HISTORY} finished runs of the same ${USERS} users were loaded):\n`);
  console.log(
    '| setup | msg/s | ratio to empty store (each beside the bare server) | server CPU µs per message | CPU ratio (empty / this) | store alone, µs per message: that history / new user | store statements | store transactions | cache round trips | bus publishes |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const h of histories) {
    const micros = `${h.storeMicros.history.toFixed(0)} / ${h.storeMicros.fresh.toFixed(0)}`;
    const cpuMicros = h.cpuMicrosPerMessage === null ? 'n/a' : h.cpuMicrosPerMessage.toFixed(0);
    const cpuRatio = h.cpuRatioToEmpty === null ? 'n/a' : h.cpuRatioToEmpty.toFixed(3);
    console.log(
      `| ${h.setup} | ${h.messagesPerSecond.toFixed(0)} | ${h.ratioToEmpty.toFixed(3)} | ${cpuMicros} | ${cpuRatio} | ${micros} | ${counts(h.perMessage)} |`,
    );
  }
}
if (jsonFile) {
  fs.writeFileSync(
    jsonFile,
    `${JSON.stringify({ users: USERS, seconds: SECONDS, idleConnections: IDLE, historyRuns: HISTORY, cores: os.cpus().length, node: process.version, results, histories }, null, 2)}\n`,
  );
  console.log(`\nwrote ${jsonFile}`);
}
process.exit(0);
