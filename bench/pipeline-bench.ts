/**
 * `npm run bench`: messages per second and p50/p99 latency (send → agent_completed) of the
 * full Flowscope pipeline, next to a bare Socket.IO server in the same process setup that
 * answers each message with five emits. Reports; asserts nothing.
 *
 * Options (env): BENCH_USERS (default 20), BENCH_MESSAGES per user (default 50),
 * BENCH_DATABASE_URL / BENCH_REDIS_URL to also measure PostgreSQL+Redis.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Server } from 'socket.io';
import { io as ioClient } from 'socket.io-client';
import { connect } from '../client/index.ts';
import { startBackend } from '../backend/index.ts';

const USERS = Number(process.env.BENCH_USERS ?? 20);
const PER_USER = Number(process.env.BENCH_MESSAGES ?? 50);

interface Result {
  name: string;
  messages: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function summarize(name: string, latencies: number[], seconds: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { name, messages: latencies.length, seconds, perSecond: latencies.length / seconds, p50: q(0.5), p99: q(0.99) };
}

/** Each user sends its messages one after another (send, wait for completion, next). */
async function drive(
  clients: Array<{ send(content: string, id: string): void; onCompleted(cb: (id: string) => void): void }>,
): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    clients.map(
      (client, u) =>
        new Promise<void>((resolve) => {
          let i = 0;
          let sentAt = 0;
          const next = () => {
            if (i === PER_USER) return resolve();
            sentAt = performance.now();
            client.send(`what is ${u} + ${i}?`, `u${u}-m${i}`);
            i += 1;
          };
          client.onCompleted(() => {
            latencies.push(performance.now() - sentAt);
            next();
          });
          next();
        }),
    ),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

async function benchBare(): Promise<Result> {
  const server = http.createServer();
  const io = new Server(server, { serveClient: false });
  io.on('connection', (socket) => {
    socket.on('message', (raw: unknown) => {
      const msg = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { message_id: string };
      const base = { run_id: msg.message_id, message_id: msg.message_id, timestamp: new Date().toISOString() };
      socket.emit('agent_started', { ...base, seq: 1, payload: {} });
      socket.emit('agent_thinking', { ...base, seq: 2, payload: {} });
      socket.emit('tool_executing', { ...base, seq: 3, payload: {} });
      socket.emit('tool_completed', { ...base, seq: 4, payload: {} });
      socket.emit('agent_completed', { ...base, seq: 5, payload: {} });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sockets = await Promise.all(
    Array.from({ length: USERS }, () => {
      const s = ioClient(url, { transports: ['websocket'], forceNew: true });
      return new Promise<typeof s>((r) => s.once('connect', () => r(s)));
    }),
  );
  const { latencies, seconds } = await drive(
    sockets.map((s) => ({
      send: (content, id) => s.emit('message', JSON.stringify({ type: 'user_message', message_id: id, payload: { content } })),
      onCompleted: (cb) => s.on('agent_completed', (e: { message_id: string }) => cb(e.message_id)),
    })),
  );
  for (const s of sockets) s.disconnect();
  await io.close();
  return summarize('bare Socket.IO, 5 emits', latencies, seconds);
}

async function benchFlowscope(name: string, databaseUrl?: string, redisUrl?: string): Promise<Result> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-bench-'));
  const backend = await startBackend({
    port: 0,
    dataDir,
    quiet: true,
    jwtSecret: 'bench-secret-bench-secret-bench-secret-00',
    databaseUrl,
    redisUrl,
    databaseSchema: databaseUrl ? `flowscope_bench_${process.pid}` : undefined,
    cacheKeyPrefix: `flowscope-bench-${process.pid}:`,
    rateLimitMessages: 1_000_000,
  });
  const conns = await Promise.all(
    Array.from({ length: USERS }, async (_, u) => {
      const c = connect({ url: backend.url, token: await backend.mintToken(`bench-${process.pid}-${Date.now()}-${u}`) });
      await c.ready;
      return c;
    }),
  );
  const { latencies, seconds } = await drive(
    conns.map((c) => ({
      send: (content, id) => c.send(JSON.stringify({ type: 'user_message', message_id: id, payload: { content } })),
      onCompleted: (cb) => c.onEnvelope((e) => e.type === 'agent_completed' && cb(String(e.message_id))),
    })),
  );
  for (const c of conns) c.close();
  await backend.close();
  return summarize(name, latencies, seconds);
}

const results: Result[] = [];
results.push(await benchBare());
results.push(await benchFlowscope('Flowscope full pipeline (SQLite + in-process cache)'));
if (process.env.BENCH_DATABASE_URL || process.env.BENCH_REDIS_URL) {
  results.push(await benchFlowscope('Flowscope full pipeline (PostgreSQL + Redis)', process.env.BENCH_DATABASE_URL, process.env.BENCH_REDIS_URL));
}

console.log(`\n${USERS} users x ${PER_USER} messages each, sequential per user, on ${os.cpus().length} cores (${process.version})\n`);
console.log('| setup | messages | msg/s | p50 ms | p99 ms |');
console.log('|---|---:|---:|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.messages} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);
const bare = results[0]!;
for (const r of results.slice(1)) console.log(`\n${r.name}: ${(r.perSecond / bare.perSecond * 100).toFixed(1)}% of the bare server's throughput (ratio ${(r.perSecond / bare.perSecond).toFixed(3)})`);
process.exit(0);
