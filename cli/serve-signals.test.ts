/**
 * `npm run serve` and `npm start` stop the backend when npm itself gets SIGTERM or SIGINT
 * (what docker stop, systemd and CI timeouts send to the process they started): npm 11
 * exits without its shell passing the signal on, so the backend must notice by itself.
 * Real npm, real backend, real port.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopsOn(script: 'serve' | 'start', signal: 'SIGTERM' | 'SIGINT'): Promise<{ output: string; npmExit: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-signals-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0', DATA_DIR: dataDir };
  delete env.JWT_SECRET;
  // detached: npm gets its own process group, so the signal reaches npm alone (as `kill <pid>` does).
  const npm = spawn('npm', ['run', script, '--', '--port', '0'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL from npm run ${script}: ${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /listening on http:\/\/[^\s:]+:(\d+)\D/.exec(output); // the whole number, not a chunk cut inside it
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    npm.stdout.on('data', onData);
    npm.stderr.on('data', onData);
  });
  expect(await portOpen(port)).toBe(true);
  // The backend's last lines may reach us after its port has closed: read to the end of its
  // output (every process holding the pipe has exited), or give up after a while.
  const drained = Promise.all([npm.stdout, npm.stderr].map((s) => new Promise<void>((r) => s.once('end', () => r()))));
  const exited = new Promise<string>((resolve) => npm.once('exit', (code, sig) => resolve(`${code ?? sig}`)));
  npm.kill(signal);
  const npmExit = await exited;
  const deadline = Date.now() + 15_000;
  while ((await portOpen(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await portOpen(port)).toBe(false);
  await Promise.race([drained, new Promise((r) => setTimeout(r, 10_000))]);
  // Leave nothing behind even if the assertion above failed: the group is ours.
  try {
    process.kill(-npm.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  return { output, npmExit };
}

describe('signals to npm stop the backend', () => {
  it('SIGTERM to `npm run serve` frees the port', async () => {
    const { output } = await stopsOn('serve', 'SIGTERM');
    expect(output).toMatch(/shutting down/);
  }, 60_000);

  it('SIGINT to `npm run serve` frees the port', async () => {
    await stopsOn('serve', 'SIGINT');
  }, 60_000);

  it('SIGTERM to `npm start` (console build, then the backend) frees the port', async () => {
    await stopsOn('start', 'SIGTERM');
  }, 120_000);
});
