#!/usr/bin/env node
// Runs the scenario pack against a separately started `npm run serve` (a real server
// process, as CI would deploy it), then stops the server. Extra arguments go to
// `flowscope run` (default: scenarios/ --reporter junit --out test-results/scenarios-serve.junit.xml).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const port = await freePort();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'flowscope-serve-'));
const server = spawn('npm', ['run', '--silent', 'serve', '--', '--port', String(port), '--data-dir', dataDir], {
  cwd: root,
  detached: true,
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' },
});
let log = '';
const url = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`npm run serve did not start within 60 s:\n${log}`)), 60_000);
  const onData = (chunk) => {
    log += chunk.toString();
    const m = /listening on (http:\/\/\S+)/.exec(log);
    if (m) {
      clearTimeout(timer);
      resolve(m[1]);
    }
  };
  server.stdout.on('data', onData);
  server.stderr.on('data', onData);
  server.once('exit', (code) => reject(new Error(`npm run serve exited with ${code}:\n${log}`)));
});
console.log(`npm run serve is up at ${url}`);

const args = process.argv.slice(2);
const runArgs = args.length > 0 ? args : ['scenarios/', '--reporter', 'junit', '--out', 'test-results/scenarios-serve.junit.xml'];
// Exactly what CI documents: `npx flowscope run ... --target URL`.
const runner = spawn('npx', ['--no-install', 'flowscope', 'run', ...runArgs, '--target', url], { cwd: root, stdio: 'inherit' });
const code = await new Promise((resolve) => runner.once('exit', (c) => resolve(c ?? 1)));

server.removeAllListeners('exit');
const stopped = new Promise((resolve) => server.once('exit', resolve));
try {
  process.kill(-server.pid, 'SIGTERM');
} catch {
  // already gone
}
await Promise.race([stopped, new Promise((r) => setTimeout(r, 10_000))]);
rmSync(dataDir, { recursive: true, force: true });
process.exitCode = code;
