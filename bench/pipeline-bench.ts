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
 * - ratios to the bare server.
 *
 * PostgreSQL + Redis too when BENCH_DATABASE_URL and BENCH_REDIS_URL are set (a private
 * schema and key prefix, dropped afterwards). `--json FILE` writes the figures as JSON.
 * BENCH_CPU_PROF=DIR runs each server under `node --cpu-prof --cpu-prof-dir DIR`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io as ioClient, type Socket } from 'socket.io-client';
import { TokenService } from '../backend/auth/token-service.ts';

const root = path.resolve(import.meta.dirname, '..');
const USERS = Number(process.env.BENCH_USERS ?? 20);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const IDLE = Number(process.env.BENCH_IDLE ?? 2000);
const CPU_PROF = process.env.BENCH_CPU_PROF;
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
}

interface Server {
  child: ChildProcess;
  url: string;
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

async function startFlowscope(label: string, services?: { databaseUrl: string; redisUrl: string }): Promise<Server> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-bench-'));
  const name = `flowscope_bench_${process.pid}_${Date.now().toString(36)}`;
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
  const child = spawn(process.execPath, [...nodeArgs(label), path.join(root, 'bin/flowscope.js'), 'serve', '--port', '0', '--quiet'], {
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
  const socket = ioClient(url, { transports: ['websocket'], forceNew: true, reconnection: false, timeout: 60_000, auth: { token } });
  // Events carry the server's message id; the ack ties the run to ours.
  const byRun = new Map<string, string>();
  socket.on('message_ack', (e: { message_id: string; run_id: string }) => byRun.set(e.run_id, e.message_id));
  socket.on('agent_completed', (e: { run_id: string }) => {
    const id = byRun.get(e.run_id);
    byRun.delete(e.run_id);
    if (id !== undefined) onCompleted(id);
  });
  socket.on('error', (e: unknown) => console.error('bench: server error envelope', e));
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

/** Each client sends its next message when the previous completed, for `seconds`. */
async function closedLoop(
  clients: Client[],
  pending: Map<string, (at: number) => void>,
  tag: string,
  seconds: number,
): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let completed = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    clients.map(
      (client, u) =>
        new Promise<void>((resolve) => {
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
  return { perSecond: completed / ((performance.now() - t0) / 1000), latencies };
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

async function measure(setup: string, server: Server, bareRate: number | null): Promise<SetupResult> {
  const prefix = `bench-${process.pid}-${setup.replace(/\W+/g, '').slice(0, 12)}`;
  const pending = new Map<string, (at: number) => void>();
  const users = await openUsers(server, prefix, USERS, pending);
  await closedLoop(users, pending, 'warm', 1);
  const closed = await closedLoop(users, pending, 'closed', SECONDS);
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
    ratioToBare: bareRate ? closed.perSecond / bareRate : 1,
    halfLoad: { ...half, rate },
    oneUser: one,
    bytesPerIdleConnection,
  };
}

async function run(setup: string, start: () => Promise<Server>, bareRate: number | null): Promise<SetupResult> {
  const server = await start();
  try {
    return await measure(setup, server, bareRate);
  } finally {
    await stop(server.child);
    await server.cleanup();
  }
}

const t0 = Date.now();
const results: SetupResult[] = [];
const bare = await run('bare Socket.IO, same seven emits', startBare, null);
results.push(bare);
if (process.env.BENCH_BARE_ONLY !== '1')
  results.push(await run('Flowscope, SQLite + in-process cache', () => startFlowscope('embedded'), bare.messagesPerSecond));
const databaseUrl = process.env.BENCH_DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL;
if (databaseUrl && redisUrl) {
  results.push(await run('Flowscope, PostgreSQL + Redis', () => startFlowscope('postgres', { databaseUrl, redisUrl }), bare.messagesPerSecond));
} else if (databaseUrl || redisUrl) {
  console.error('bench: set both BENCH_DATABASE_URL and BENCH_REDIS_URL to measure PostgreSQL + Redis');
}

const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
console.log(
  `\n${USERS} users closed loop for ${SECONDS} s; open loop at half that rate; ${IDLE} idle connections; ${os.cpus().length} cores, ${process.version}, ${((Date.now() - t0) / 1000).toFixed(0)} s in all\n`,
);
console.log('| setup | msg/s | ratio to bare | p50 / p99 at half load | one user p50 / p99 | KB per idle connection |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.setup} | ${r.messagesPerSecond.toFixed(0)} | ${r.ratioToBare.toFixed(3)} | ${ms(r.halfLoad.p50)} / ${ms(r.halfLoad.p99)} ms at ${r.halfLoad.rate.toFixed(0)}/s | ${ms(r.oneUser.p50)} / ${ms(r.oneUser.p99)} ms | ${(r.bytesPerIdleConnection / 1024).toFixed(1)} |`,
  );
}
if (jsonFile) {
  fs.writeFileSync(
    jsonFile,
    `${JSON.stringify({ users: USERS, seconds: SECONDS, idleConnections: IDLE, cores: os.cpus().length, node: process.version, results }, null, 2)}\n`,
  );
  console.log(`\nwrote ${jsonFile}`);
}
process.exit(0);
