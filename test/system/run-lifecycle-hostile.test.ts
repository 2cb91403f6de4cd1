/**
 * Issue 17, defects 2, 3, 4 and 7: agents written to misbehave cannot take the backend down
 * (the run lifecycle: backpressure, budgets, cancel, fair slots).
 *
 * - A module that awaits `ctx.think()` in an endless loop (a real `flowscope serve` child, so
 *   a starved event loop could not starve this test): /health answers, RSS stays bounded,
 *   cancel_run ends the run, SIGTERM still stops the process.
 * - A module that calls `ctx.think()` in a loop without awaiting it, one that swallows the
 *   budget error, an agent over HTTP streaming endless thinking lines: each run fails at
 *   the event budget, the store holding at most RUN_MAX_EVENTS events.
 * - A module whose `run()` never settles: cancel_run ends it `cancelled` after the grace
 *   period and the user's next message runs; at shutdown it ends `interrupted`.
 * - An agent over HTTP that never answers holds at most its share of the run slots: another
 *   user's built-in run completes meanwhile.
 */
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { startAgentServer, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';
import { startHarness, wrapConnection, type Harness, type TestClient } from '../support/backend-harness.ts';
import { killAndWait, startServeProcess } from '../support/serve-process.ts';

const MODULE = `
export default [
  { name: 'think-forever', description: 'awaits think() in an endless loop', async run(ctx) { for (;;) await ctx.think('x'); } },
  { name: 'think-unawaited', description: 'calls think() in an endless loop, never awaiting it', async run(ctx) { for (;;) ctx.think('y'); } },
  {
    name: 'swallow-budget',
    description: 'catches the budget error and claims success',
    async run(ctx) {
      try { for (;;) await ctx.think('z'); } catch {}
      return { response: 'fine, really' };
    },
  },
  { name: 'never-settles', description: 'a run() that never settles', run() { return new Promise(() => {}); } },
  { name: 'long-thought', description: 'one thought of 100 000 characters', async run(ctx) { await ctx.think('w'.repeat(100000)); return { response: 'ok' }; } },
];
`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-hostile-runs-'));
const modulePath = path.join(dir, 'hostile-run-agents.mjs');
fs.writeFileSync(modulePath, MODULE);
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

afterAll(() => {
  for (const c of clients) c.close();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A `flowscope serve` child with the hostile module, its own data folder, its heap capped (a regression fails fast, not at 4 GB). */
async function serve(name: string, env: Record<string, string>, args: string[] = []) {
  const dataDir = path.join(dir, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const started = await startServeProcess(['--data-dir', dataDir, '--agent', modulePath, ...args], {
    JWT_SECRET: 'hostile-runs-secret-hostile-runs-secret-0123',
    DATABASE_URL: '',
    REDIS_URL: '',
    AGENT_RELOAD: '0',
    NODE_OPTIONS: '--max-old-space-size=512',
    ...env,
  });
  children.push(started.child);
  return { ...started, dataDir, rest: createRestClient(started.url) };
}

async function clientOf(url: string, user: string): Promise<TestClient> {
  const token = (await createRestClient(url).mintToken(user)).token;
  const connection = connect({ url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  await connection.ready;
  const client = wrapConnection(connection);
  clients.push(client);
  return client;
}

async function send(client: TestClient, agent: string, content = 'go'): Promise<string> {
  const id = `m-${Math.random().toString(36).slice(2)}`;
  client.send({ type: 'user_message', message_id: id, payload: { content, agent } });
  const ack = await client.waitFor((e) => e.type === 'message_ack' && e.message_id === id);
  return (ack.payload as { run_id: string }).run_id;
}

/** RSS of a process in bytes (Linux /proc). */
function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Milliseconds /health took to answer 200; throws when it did not within `ms`. */
async function healthWithin(url: string, ms: number): Promise<number> {
  const started = Date.now();
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(ms) });
  await res.arrayBuffer();
  expect(res.status).toBe(200);
  return Date.now() - started;
}

async function waitForStatus(rest: ReturnType<typeof createRestClient>, token: string, runId: string, done: (status: string) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await rest.getRun(token, runId);
    if (done(run.status) || Date.now() > deadline) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resolves 'exited' when the child exits after `signal`, 'timeout' after `ms`. */
function exitWithin(child: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<'exited' | 'timeout'> {
  const timedOut = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
  return Promise.race([killAndWait(child, signal).then(() => 'exited' as const), timedOut]);
}

describe.skipIf(process.platform !== 'linux')('a module that awaits ctx.think() in an endless loop', () => {
  it('leaves /health answering and RSS bounded; cancel_run ends it; SIGTERM still stops the process', async () => {
    // No budget in the way: backpressure alone must keep the process healthy.
    const backend = await serve('await-loop', { RUN_MAX_EVENTS: '100000000', RUN_MAX_BYTES: '4000000000' });
    const pid = backend.child.pid!;
    await healthWithin(backend.url, 5000);
    const baseline = rssOf(pid);

    const watcher = await clientOf(backend.url, 'looper');
    const runId = await send(watcher, 'think-forever');
    await watcher.waitFor((e) => e.type === 'agent_thinking' && e.run_id === runId, 15_000);
    watcher.close(); // this test process does not need the flood of events

    let maxRss = baseline;
    for (let i = 0; i < 6; i++) {
      await new Promise((r) => setTimeout(r, 500));
      expect(await healthWithin(backend.url, 5000)).toBeLessThan(5000);
      maxRss = Math.max(maxRss, rssOf(pid));
    }
    expect(maxRss - baseline).toBeLessThan(300 * 1024 * 1024);
    // The loop runs, paced by the store (/metrics: GET /api/runs/:id would load every event).
    const metrics = await (await fetch(`${backend.url}/metrics`)).text();
    const thoughts = Number(/flowscope_events_emitted_total\{type="agent_thinking"\} (\d+)/.exec(metrics)?.[1] ?? 0);
    expect(thoughts).toBeGreaterThan(100);

    const canceller = await clientOf(backend.url, 'looper');
    canceller.send({ type: 'cancel_run', payload: { run_id: runId } });
    const ended = await canceller.waitFor((e) => e.type === 'agent_completed' && e.run_id === runId, 20_000);
    expect(ended.payload).toMatchObject({ status: 'cancelled' });

    // And a second loop does not stop SIGTERM: the process exits cleanly.
    const again = await send(canceller, 'think-forever');
    await canceller.waitFor((e) => e.type === 'agent_thinking' && e.run_id === again, 15_000);
    canceller.close();
    expect(await exitWithin(backend.child, 'SIGTERM', 20_000)).toBe('exited');
    expect(backend.child.exitCode).toBe(0);
  }, 120_000);
});

describe('budgets and cancel grace, every agent kind', () => {
  let backend: Awaited<ReturnType<typeof serve>>;
  let flood: AgentTestServer;
  let floodLines = 0;
  const RUN_MAX_EVENTS = 2000;

  beforeAll(async () => {
    // An agent over HTTP that streams 1 KiB thinking lines without end (bounded here at
    // 50 000 lines, 50 MB, and then it hangs), writing as fast as it is read.
    flood = await startAgentServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const line = `${JSON.stringify({ type: 'agent_thinking', payload: { thought: 'f'.repeat(1000), step: 1 } })}\n`;
      const pump = () => {
        while (floodLines < 50_000 && !res.destroyed) {
          floodLines += 1;
          if (!res.write(line)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    backend = await serve('budgets', { RUN_MAX_EVENTS: String(RUN_MAX_EVENTS), CANCEL_GRACE_MS: '1000', THOUGHT_MAX_CHARS: '500' }, [
      '--agent-url',
      `flood=${flood.url}`,
    ]);
  }, 60_000);

  afterAll(async () => {
    if (backend) await killAndWait(backend.child, 'SIGKILL');
    await flood?.close();
  });

  async function budgetRun(user: string, agent: string) {
    const client = await clientOf(backend.url, user);
    const runId = await send(client, agent);
    await client.runEvents(runId, 60_000);
    client.close();
    const token = (await backend.rest.mintToken(user)).token;
    const stored = await backend.rest.getRunEvents(token, runId);
    return { stored, run: await backend.rest.getRun(token, runId) };
  }

  it('an un-awaited think() loop ends at the event budget: the run fails, at most RUN_MAX_EVENTS stored', async () => {
    const { stored, run } = await budgetRun('unawaited', 'think-unawaited');
    expect(stored.length).toBeLessThanOrEqual(RUN_MAX_EVENTS);
    expect(stored.length).toBeGreaterThan(RUN_MAX_EVENTS - 10);
    expect(stored.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'failed' } });
    expect(run.error).toMatch(/^run budget exceeded: the run reached its limit of 2000 events \(RUN_MAX_EVENTS\)/);
  }, 90_000);

  it('an agent that catches the budget error and returns still fails', async () => {
    const { stored, run } = await budgetRun('swallower', 'swallow-budget');
    expect(stored.length).toBeLessThanOrEqual(RUN_MAX_EVENTS);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/RUN_MAX_EVENTS/);
  }, 90_000);

  it('an agent over HTTP streaming endless thinking lines fails at the budget; its connection is closed', async () => {
    const { stored, run } = await budgetRun('flooded', 'flood');
    expect(stored.length).toBeLessThanOrEqual(RUN_MAX_EVENTS);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^run budget exceeded: .*RUN_MAX_EVENTS/);
    // The thoughts were cut to THOUGHT_MAX_CHARS, with the marker.
    expect((stored[1]!.payload as { thought: string }).thought).toMatch(/^f{500} … \[thought truncated: 500 more characters/);
    await flood.clientGone;
    expect(floodLines).toBeLessThan(50_000); // it stopped reading long before the agent stopped writing
  }, 90_000);

  it('a thought longer than THOUGHT_MAX_CHARS is stored truncated, the run succeeds', async () => {
    const { stored, run } = await budgetRun('thinker', 'long-thought');
    expect(run.status).toBe('succeeded');
    const thought = (stored[1]!.payload as { thought: string }).thought;
    expect(thought.length).toBeLessThan(600);
    expect(thought).toContain('99500 more characters');
  }, 60_000);

  it('cancel_run ends a run() that never settles after the grace period, and the next message of the user runs', async () => {
    const client = await clientOf(backend.url, 'stuck');
    const runId = await send(client, 'never-settles');
    await client.waitFor((e) => e.type === 'agent_started' && e.run_id === runId);
    const next = await send(client, 'assistant', 'what is 2+2?'); // queued behind the stuck run
    const cancelledAt = Date.now();
    client.send({ type: 'cancel_run', payload: { run_id: runId } });
    const ended = await client.waitFor((e) => e.type === 'agent_completed' && e.run_id === runId, 20_000);
    expect(ended.payload).toMatchObject({ status: 'cancelled' });
    expect(Date.now() - cancelledAt).toBeLessThan(15_000); // CANCEL_GRACE_MS is 1 s; generous for a loaded machine
    const events = await client.runEvents(next, 30_000);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded' });
  }, 60_000);

  it('at shutdown a run() that never settles ends interrupted by its own process', async () => {
    const client = await clientOf(backend.url, 'stuck-at-shutdown');
    const runId = await send(client, 'never-settles');
    await client.waitFor((e) => e.type === 'agent_started' && e.run_id === runId);
    client.close();
    expect(await exitWithin(backend.child, 'SIGTERM', 20_000)).toBe('exited');
    // Read the store back through a new process on the same data folder.
    const after = await serve('budgets', {});
    const token = (await after.rest.mintToken('stuck-at-shutdown')).token;
    const run = await after.rest.getRun(token, runId);
    expect(run).toMatchObject({ status: 'interrupted', error: 'The backend shut down during the run.' });
    await killAndWait(after.child, 'SIGTERM');
  }, 90_000);
});

describe('one slow agent does not starve the others', () => {
  let harness: Harness;
  let hole: AgentTestServer;
  const held: http.ServerResponse[] = [];

  beforeAll(async () => {
    // An agent over HTTP that takes the request and never answers.
    hole = await startAgentServer((_req, res) => void held.push(res));
    harness = await startHarness({ maxConcurrentRuns: 4, agentUrls: [`hole=${hole.url}`], agentIdleTimeoutMs: 120_000 });
  });

  afterAll(async () => {
    await harness?.close();
    await hole?.close();
  });

  it('a black-holing agent holds at most half the slots; another user’s built-in run completes promptly', async () => {
    const holders = await Promise.all(['h1', 'h2', 'h3', 'h4'].map((user) => harness.client(user)));
    const runs = await Promise.all(holders.map((c) => send(c, 'hole')));
    // Every one of them is claimed (running); the agent's cap (2 of 4) lets only two reach it.
    for (let i = 0; i < 200 && hole.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    const rest = createRestClient(harness.backend.url);
    for (const [i, runId] of runs.entries()) {
      const token = await harness.backend.mintToken(`h${i + 1}`);
      expect((await waitForStatus(rest, token, runId, (s) => s === 'running', 10_000)).status).toBe('running');
    }
    expect(hole.requests.length).toBe(2);

    const bystander = await harness.client('bystander');
    const started = Date.now();
    const runId = await send(bystander, 'assistant', 'what is 2+2?');
    const events = await bystander.runEvents(runId, 30_000);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded' });
    expect(Date.now() - started).toBeLessThan(5000);

    // The holders waiting for a slot end at once when cancelled; the others when their request is aborted.
    for (const [i, c] of holders.entries()) c.send({ type: 'cancel_run', payload: { run_id: runs[i] } });
    for (const [i, c] of holders.entries()) {
      const ended = await c.waitFor((e) => e.type === 'agent_completed' && e.run_id === runs[i], 15_000);
      expect(ended.payload).toMatchObject({ status: 'cancelled' });
    }
  }, 60_000);
});
