/**
 * The desktop app's backend exactly as the Electron main process loads it: the built bundle
 * (dist/main/desktop-backend.cjs, which dist/main/electron-main.cjs requires) with its own
 * driver resolution, started by a runtime of another ABI than the one `npm ci` built the
 * native addons for. Here that runtime is Node 24.14.0 from the npm registry (the Node inside
 * Electron 41; this machine's npm ran Node 20); where the optional electron binary is
 * installed, Electron itself runs it as Node too (`ELECTRON_RUN_AS_NODE=1`), and the GitHub
 * workflow sets FLOWSCOPE_DESKTOP_RUNTIME=electron to require that.
 *
 * Before the desktop backend chose node:sqlite, this failed: better-sqlite3 built for
 * NODE_MODULE_VERSION 115 does not load in 137 (Node 24) or 145 (Electron 41).
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, createRestClient, type TransportKind, type WebSocketConstructor } from '../../client/index.ts';
import { GOLDEN_PATH_EVENTS, type HealthResponse } from '../../protocol/index.ts';
import { wrapConnection, type TestClient } from '../support/backend-harness.ts';
import { electronAsNode, registryNode, type Runtime } from '../support/node-runtime.ts';
import { killAndWait, waitForListening, type Listening } from '../support/serve-process.ts';

const root = path.resolve(import.meta.dirname, '../..');
const bundle = path.join(root, 'dist/main/desktop-backend.cjs');

/** The bundle under `runtime`, headless, on a free port; resolves with its one line, or rejects with its exit code and output. */
function startDesktop(runtime: Runtime, dataDir: string, extraEnv: Record<string, string> = {}): Promise<Listening> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...runtime.env, PORT: '0', HOST: '127.0.0.1', ...extraEnv };
  // The desktop backend's own driver resolution, not the test runner's overrides.
  if (!('SQLITE_DRIVER' in extraEnv)) delete env.SQLITE_DRIVER;
  delete env.SQLITE_NATIVE_BINDING;
  delete env.NODE_OPTIONS;
  const child = spawn(runtime.command, [bundle, '--data-dir', dataDir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return waitForListening(child, { timeoutMs: 60_000, pattern: /^Flowscope desktop backend on (http:\/\/\S+) .*$/m });
}

async function client(url: string, user: string, transport: TransportKind): Promise<TestClient> {
  const { token } = await createRestClient(url).mintToken(user);
  const connection = connect({ url, token, transport, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
  await connection.ready;
  return wrapConnection(connection);
}

const electron = electronAsNode();
const wantElectron = process.env.FLOWSCOPE_DESKTOP_RUNTIME === 'electron';

const RUNTIMES: Array<{ name: string; get: () => Runtime | { missing: string } }> = [
  { name: 'Node 24.14 from the npm registry', get: () => registryNode() },
  { name: 'Electron as Node', get: () => electron },
];

beforeAll(() => {
  // The same build the app ships (npm run build:main).
  execFileSync(process.execPath, [path.join(root, 'scripts/build-main.mjs')], { cwd: root, stdio: 'inherit' });
}, 120_000);

describe.each(RUNTIMES)('desktop backend under $name', ({ name, get }) => {
  let runtime: Runtime | { missing: string } = { missing: 'not prepared' };
  let started: Listening | undefined;
  let dataDir = '';
  const clients: TestClient[] = [];

  beforeAll(async () => {
    runtime = get();
    if ('missing' in runtime) {
      if (name.startsWith('Electron') && wantElectron) throw new Error(`FLOWSCOPE_DESKTOP_RUNTIME=electron but ${runtime.missing}`);
      return;
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-desktop-'));
    started = await startDesktop(runtime, dataDir);
  }, 10 * 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    if (started) await killAndWait(started.child, 'SIGTERM');
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs there, or says why not', (ctx) => {
    if ('missing' in runtime) ctx.skip(runtime.missing);
    expect(started?.line).toMatch(/\(.*(Node|Electron) [\d.]+, ABI \d+, SQLite driver node\)$/);
  });

  it('answers /health with SQLite through node:sqlite', async (ctx) => {
    if (!started) ctx.skip('not started here');
    const res = await fetch(`${started!.url}/health`);
    expect(res.status).toBe(200);
    const health = (await res.json()) as HealthResponse;
    expect(health).toMatchObject({ status: 'ok', store: 'sqlite', store_driver: 'node', cache: 'memory' });
  });

  it('runs the golden path for two users, one per transport, and keeps every event', async (ctx) => {
    if (!started) ctx.skip('not started here');
    const url = started!.url;
    const users = [
      ['alice', 'socketio'],
      ['bob', 'ws'],
    ] as const;
    const runs = await Promise.all(
      users.map(async ([user, transport]) => {
        const c = await client(url, user, transport);
        clients.push(c);
        c.send({ type: 'user_message', payload: { content: 'what is 2 + 2 * 3?' }, message_id: `m-${user}` });
        const ack = await c.waitFor((e) => e.type === 'message_ack', 30_000);
        const runId = ack.run_id as string;
        const events = await c.runEvents(runId, 60_000);
        return { user, runId, events };
      }),
    );
    for (const { user, runId, events } of runs) {
      const types = events.map((e) => e.type);
      for (const t of GOLDEN_PATH_EVENTS) expect(types, `${user}'s run`).toContain(t);
      expect(types.at(-1)).toBe('agent_completed');
      expect(events.every((e) => e.user_id === user)).toBe(true);
      const completed = events.at(-1) as { payload?: { status?: string } };
      expect(completed.payload?.status).toBe('succeeded');
      // Persisted through node:sqlite: the REST API gives the same events back.
      const { token } = await createRestClient(url).mintToken(user);
      const res = await fetch(`${url}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const stored = (await res.json()) as { events: Array<{ seq: number; type: string }> };
      expect(stored.events.map((e) => e.type)).toEqual(types);
    }
  }, 120_000);

  it('stops cleanly on SIGTERM, and starts again on the same data', async (ctx) => {
    if (!started || 'missing' in runtime) ctx.skip('not started here');
    const exited = new Promise<number | null>((r) => started!.child.once('exit', (code) => r(code)));
    started!.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    started = await startDesktop(runtime as Runtime, dataDir);
    const { token } = await createRestClient(started.url).mintToken('alice');
    const res = await fetch(`${started.url}/api/threads`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { threads: unknown[] };
    expect(body.threads.length).toBe(1);
  }, 120_000);

  it('refuses the Node build of better-sqlite3 there in one line that says what to do', async (ctx) => {
    if ('missing' in runtime) ctx.skip(runtime.missing);
    const abi = execFileSync((runtime as Runtime).command, ['-p', 'process.versions.modules'], {
      encoding: 'utf8',
      env: { ...process.env, ...(runtime as Runtime).env },
    }).trim();
    if (abi === process.versions.modules) ctx.skip(`node_modules' better-sqlite3 was built for this ABI (${abi}) on this machine`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-desktop-native-'));
    try {
      const failure = await startDesktop(runtime as Runtime, dir, { SQLITE_DRIVER: 'better-sqlite3' }).then(
        (s) => {
          s.child.kill('SIGKILL');
          throw new Error('started with a better-sqlite3 of another ABI');
        },
        (err: { exitCode?: number; output?: string }) => err,
      );
      expect(failure.exitCode).toBe(1);
      expect(failure.output).toMatch(
        new RegExp(
          `^Flowscope could not start its backend: better-sqlite3 was built for NODE_MODULE_VERSION ${process.versions.modules}, this runtime needs ${abi}: run \`npm rebuild better-sqlite3\``,
          'm',
        ),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
