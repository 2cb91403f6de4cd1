/**
 * Shutdown does not wait on clients. A browser opens TCP connections before it has a request
 * to send (Chromium preconnects) and keeps a keep-alive connection busy while it polls
 * /health; Node's `server.close()` waits for such connections (up to its 60 s headers
 * timeout), and Socket.IO's `close()` waits for `server.close()`. Found as a SIGTERM that took
 * 46 s while a console was open on the backend.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startBackend, type RunningBackend } from '../index.ts';

const SECRET = 'shutdown-test-secret-0123456789abcdef';
let backend: RunningBackend | null = null;

async function start(): Promise<RunningBackend> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-shutdown-'));
  backend = await startBackend({ host: '127.0.0.1', port: 0, quiet: true, jwtSecret: SECRET, dataDir });
  return backend;
}

afterEach(async () => {
  await backend?.close();
  backend = null;
});

/** Resolves with what happened first: the close finished, or `ms` passed. */
function closeWithin(b: RunningBackend, ms: number): Promise<'closed' | 'still waiting'> {
  return Promise.race([b.close().then(() => 'closed' as const), new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms).unref())]);
}

describe('shutdown', () => {
  it('a connection that never sent a request does not hold it up, and is closed', async () => {
    const b = await start();
    const { port } = new URL(b.url);
    const idle = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const ended = new Promise<void>((r) => idle.once('close', () => r()));
    expect(await closeWithin(b, 5000)).toBe('closed');
    await ended;
    expect(idle.destroyed).toBe(true);
  });

  it('a client polling /health on a keep-alive connection does not hold it up', async () => {
    const b = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let polling = true;
    let answered = 0;
    const poll = () => {
      if (!polling) return;
      http
        .get(`${b.url}/health`, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            answered++;
            setImmediate(poll);
          });
        })
        .on('error', () => undefined);
    };
    poll();
    while (answered < 5) await new Promise((r) => setTimeout(r, 10));
    expect(await closeWithin(b, 5000)).toBe('closed');
    polling = false;
    agent.destroy();
  });

  it('an open /ws connection still gets its goodbye (1001) before the rest is cut', async () => {
    const b = await start();
    const token = await b.mintToken('u_shutdown');
    const ws = new WebSocket(`${b.url.replace('http', 'ws')}/ws?token=${token}`);
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    // and a preconnected socket beside it, which alone would hold the shutdown up
    const idle = net.connect(Number(new URL(b.url).port), '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    expect(await closeWithin(b, 5000)).toBe('closed');
    expect(await closed).toBe(1001);
    idle.destroy();
  });
});
