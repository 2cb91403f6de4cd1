// `npm start`: builds the console, then launches the Electron app where Electron is
// installed (and has a main process to run); otherwise serves the same console from the
// backend in the browser and says so.
//
// Signals: SIGINT, SIGTERM and SIGHUP are passed on to the child that is running (a build
// or the app/backend), and this process exits with the child's status. npm 11 exits on
// SIGTERM without its shell passing the signal on, so this process (and the backend, which
// does the same) also stops its child and exits when its own parent goes away.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';

const require = createRequire(import.meta.url);
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

let current = null;
let stopping = null;

function stop(signal) {
  if (stopping) {
    if (current) current.kill('SIGKILL');
    process.exit(130);
  }
  stopping = signal;
  if (current) current.kill(signal);
  else process.exit(128 + (os.constants.signals[signal] ?? 15));
}
for (const signal of SIGNALS) process.on(signal, () => stop(signal));
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop('SIGTERM');
}, 250).unref();

/** Runs a child with our stdio; resolves with its exit code (128 + n for a signal). */
function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit' });
    current = child;
    child.on('error', (err) => {
      console.error(`flowscope: cannot run ${cmd}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      current = null;
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 15));
    });
  });
}

async function step(cmd, args) {
  const code = await run(cmd, args);
  if (code !== 0 || stopping) process.exit(code || 1);
}

await step(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);

function findElectron() {
  try {
    return require('electron'); // the package exports the binary's path
  } catch {
    return null;
  }
}
const electronBinary = findElectron();
const electronMain = 'dist/node/main/electron-main.js';
if (electronBinary) await step(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build:node']);
if (electronBinary && fs.existsSync(electronMain)) {
  console.log('flowscope: starting the Electron console');
  process.exit(await run(electronBinary, [electronMain]));
} else {
  const port = process.env.PORT ?? '8000';
  const host = process.env.HOST ?? '127.0.0.1';
  console.log(`flowscope: Electron is not available here; serving the console in the browser at http://${host}:${port}/ (open it there).`);
  process.exit(await run(process.execPath, ['bin/flowscope.js', 'serve', ...process.argv.slice(2)]));
}
