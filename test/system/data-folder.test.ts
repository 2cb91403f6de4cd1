/**
 * One data folder, one process (issue 17, defect 1): with SQLite and the in-process cache a
 * second backend on a folder in use refuses to start with one line naming the holder; a holder
 * killed with SIGKILL leaves a stale lock the next start takes over; a reused pid does not hold
 * a folder; folders apart run side by side. And a client whose run was ended by another
 * process (the restart after a crash ends its orphan `interrupted`) learns the real end by
 * `resume`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { DataFolderInUseError } from '../../backend/server/data-folder-lock.ts';
import { startBackend, type RunningBackend } from '../../backend/server/flowscope-server.ts';
import { wrapConnection } from '../support/backend-harness.ts';
import { killAndWait, startServeProcess } from '../support/serve-process.ts';
import { redisAvailable, TEST_REDIS_URL } from '../support/test-services.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SECRET = 'data-folder-secret-data-folder-secret-0000';
const ENV = { JWT_SECRET: SECRET, DATABASE_URL: '', REDIS_URL: '' };

const redisUp = await redisAvailable();
const children: ChildProcess[] = [];
const backends: RunningBackend[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => killAndWait(c, 'SIGKILL')));
  await Promise.all(backends.map((b) => b.close().catch(() => undefined)));
});

function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flowscope-${name}-`));
}

async function serve(dataDir: string) {
  const started = await startServeProcess(['--data-dir', dataDir], ENV);
  children.push(started.child);
  return started;
}

/** `flowscope serve` that is expected to exit: its exit code and what it printed. */
function serveToExit(dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(root, 'bin/flowscope.js'), 'serve', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not exit: ${stdout}${stderr}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const portOf = (url: string) => Number(new URL(url).port);

describe('one data folder, one process', { timeout: 90_000 }, () => {
  it('refuses a second flowscope serve on a folder in use with one line naming the holder, exit code 1', async () => {
    const dataDir = tempDir('lock');
    const first = await serve(dataDir);
    const second = await serveToExit(dataDir);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    const lines = second.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toContain(`the data folder ${dataDir} is in use`);
    expect(line).toContain(`pid ${first.child.pid}`);
    expect(line).toContain(`port ${portOf(first.url)}`);
    expect(line).toMatch(/--data-dir or DATA_DIR/);
    expect(line).toMatch(/DATABASE_URL .*REDIS_URL/);
    // The first is untouched.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    // After a clean stop the folder is free at once (no takeover needed).
    await killAndWait(first.child, 'SIGTERM');
    expect(fs.existsSync(path.join(dataDir, 'flowscope.lock'))).toBe(false);
    const third = await serve(dataDir);
    expect(third.output()).not.toContain('took over');
  });

  it('lets exactly one of two processes started at once on a fresh folder have it', async () => {
    const dataDir = tempDir('lock-race');
    const start = () => {
      const child = spawn(process.execPath, [path.join(root, 'bin/flowscope.js'), 'serve', '--port', '0', '--data-dir', dataDir], {
        env: { ...process.env, ...ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      // Settled when it listens (running) or exits (refused).
      const settled = new Promise<{ child: ChildProcess; running: boolean; out: () => string }>((resolve) => {
        child.stdout.on('data', () => {
          if (/listening on http/.test(out)) resolve({ child, running: true, out: () => out });
        });
        child.once('exit', () => resolve({ child, running: false, out: () => out }));
      });
      return settled;
    };
    const [a, b] = await Promise.all([start(), start()]);
    const running = [a, b].filter((r) => r.running);
    const refused = [a, b].filter((r) => !r.running);
    expect(running).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.child.exitCode).toBe(1);
    expect(refused[0]!.out()).toContain(`is in use by another Flowscope backend (pid ${running[0]!.child.pid}`);
  });

  it('takes over the lock of a holder killed with SIGKILL, saying so', async () => {
    const dataDir = tempDir('lock-kill');
    const first = await serve(dataDir);
    const pid = first.child.pid!;
    await killAndWait(first.child, 'SIGKILL');
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'flowscope.lock'), 'utf8'))).toMatchObject({ pid });
    const second = await serve(dataDir);
    expect(second.output()).toMatch(new RegExp(`took over the data folder .*pid ${pid} is no longer running`));
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'flowscope.lock'), 'utf8'))).toMatchObject({
      pid: second.child.pid,
      port: portOf(second.url),
      url: second.url,
      hostname: os.hostname(),
    });
  });

  it('runs two backends on two folders side by side', async () => {
    const [a, b] = await Promise.all([serve(tempDir('apart-a')), serve(tempDir('apart-b'))]);
    expect((await fetch(`${a.url}/health`)).status).toBe(200);
    expect((await fetch(`${b.url}/health`)).status).toBe(200);
  });

  it('does not let a reused pid hold the folder: a live pid whose URL is another backend is not the holder', async () => {
    const dataDir = tempDir('lock-reuse');
    const other = await startBackend({ host: '127.0.0.1', port: 0, quiet: true, jwtSecret: SECRET, dataDir: tempDir('lock-reuse-other') });
    backends.push(other);
    // A live process that is not a backend, standing for a pid the system gave to someone else.
    const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(bystander);
    const stale = {
      pid: bystander.pid,
      hostname: os.hostname(),
      instanceId: 'inst_gone',
      startedAt: new Date().toISOString(),
      port: other.port,
      url: other.url,
      database: '',
      nonce: 'stale',
    };
    fs.writeFileSync(path.join(dataDir, 'flowscope.lock'), JSON.stringify(stale));
    const started = await serve(dataDir);
    expect(started.output()).toMatch(new RegExp(`took over .*pid ${bystander.pid} is running but ${other.url} is another backend's`));
  });

  it('refuses a second backend of the same process on the folder, and lets one start after the first closed', async () => {
    const dataDir = tempDir('lock-inproc');
    const options = { host: '127.0.0.1', port: 0, quiet: true, jwtSecret: SECRET, dataDir };
    const first = await startBackend(options);
    backends.push(first);
    const refused = await startBackend(options).then(
      (b) => {
        backends.push(b);
        return null;
      },
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(DataFolderInUseError);
    expect((refused as Error).message).toContain(`pid ${process.pid}, port ${first.port}`);
    await first.close();
    const next = await startBackend(options);
    backends.push(next);
    expect(next.port).toBeGreaterThan(0);
  });

  it.runIf(redisUp.available)('takes no lock with a cross-process cache (REDIS_URL)', async () => {
    const dataDir = tempDir('lock-redis');
    const prefix = `flowscope-lock-test:${process.pid}:${Date.now()}:`;
    const options = { host: '127.0.0.1', port: 0, quiet: true, jwtSecret: SECRET, dataDir, redisUrl: TEST_REDIS_URL, cacheKeyPrefix: prefix };
    const a = await startBackend(options);
    backends.push(a);
    expect(fs.existsSync(path.join(dataDir, 'flowscope.lock'))).toBe(false);
    const b = await startBackend(options);
    backends.push(b);
    expect(b.port).not.toBe(a.port);
  });
});

describe('a run ended by another process', { timeout: 90_000 }, () => {
  it('reaches its client: after a crash, the restarted backend ends the orphan interrupted and resume delivers the final event', async () => {
    const dataDir = tempDir('orphan');
    const first = await serve(dataDir);
    const { token } = await createRestClient(first.url).mintToken('orphan-user');
    const c = wrapConnection(connect({ url: first.url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
    await c.connection.ready;
    const slow = [{ think: 'slow' }, { tool: 'sleep', args: {}, result: 1, delay_ms: 60_000 }, { respond: 'never' }];
    c.send({ type: 'user_message', message_id: 'orphan-1', payload: { content: 'cut off', agent: 'scripted', script: slow } });
    const ack = await c.waitFor((e) => e.type === 'message_ack');
    const runId = (ack.payload as { run_id: string }).run_id;
    const lastSeen = await c.waitFor((e) => e.type === 'tool_executing' && e.run_id === runId);
    c.close();
    await killAndWait(first.child, 'SIGKILL');

    const second = await serve(dataDir);
    const { token: token2 } = await createRestClient(second.url).mintToken('orphan-user');
    const d = wrapConnection(connect({ url: second.url, token: token2, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
    await d.connection.ready;
    d.send({ type: 'resume', payload: { run_id: runId, after_seq: Number(lastSeen.seq) } });
    const end = await d.waitFor((e) => e.type === 'agent_completed' && e.run_id === runId, 20_000);
    expect(end.payload).toMatchObject({ status: 'interrupted' });
    expect(end.seq).toBe(Number(lastSeen.seq) + 1);
    // The console's reconciliation reads the same end over REST.
    const runs = await createRestClient(second.url).listRuns(token2);
    expect(runs.find((r) => r.id === runId)?.status).toBe('interrupted');
    // The process that ended it says so, naming itself.
    await expect.poll(() => second.output(), { timeout: 10_000 }).toMatch(/run ended as an orphan.*ended by this process \(inst_\w+, pid \d+\)/);
    d.close();
  });
});
