/**
 * `npm run serve` and `npm start` stop the backend when npm itself gets SIGTERM or SIGINT
 * (what docker stop, systemd and CI timeouts send to the process they started): npm 11
 * exits without its shell passing the signal on, so the backend must notice by itself.
 * Real npm, real backend, real port.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

/** The backend node process under npm (npm -> node, the script execs it), for its liveness. */
function backendOf(npmPid: number): number {
  for (let depth = 0, pid = npmPid; depth < 3; depth++) {
    const kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
    const node = kids.find((k) => /flowscope\.js\0serve/.test(fs.readFileSync(`/proc/${k}/cmdline`, 'latin1')));
    if (node) return node;
    if (kids[0] === undefined) break;
    pid = kids[0];
  }
  throw new Error(`no backend process under npm (${npmPid})`);
}

function alive(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}

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
  const backendPid = backendOf(npm.pid!);
  const exited = new Promise<string>((resolve) => npm.once('exit', (code, sig) => resolve(`${code ?? sig}`)));
  npm.kill(signal);
  const npmExit = await exited;
  const deadline = Date.now() + 15_000;
  while (((await portOpen(port)) || alive(backendPid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(await portOpen(port)).toBe(false);
  expect(alive(backendPid), `backend ${backendPid} still running`).toBe(false);
  // Stopped cleanly, not killed: closing the store checkpoints SQLite's write-ahead log and
  // removes it (a killed process leaves it behind). The log line saying so cannot be relied
  // on: npm may die before the backend writes it, and it may not arrive.
  const wal = path.join(dataDir, 'flowscope.sqlite-wal');
  expect(fs.existsSync(wal) ? fs.statSync(wal).size : 0, `${wal} left behind: the store was not closed; output: ${output}`).toBe(0);
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
    await stopsOn('serve', 'SIGTERM');
  }, 60_000);

  it('SIGINT to `npm run serve` frees the port', async () => {
    await stopsOn('serve', 'SIGINT');
  }, 60_000);

  it('SIGTERM to `npm start` (console build, then the backend) frees the port', async () => {
    await stopsOn('start', 'SIGTERM');
  }, 120_000);
});
