// `npm start`: builds the console, then launches the Electron app where Electron's binary is
// installed (bundling its main process first: scripts/build-main.mjs); otherwise says in one
// line what is missing and how to get it, and serves the same console from the backend in the
// browser.
//
// Signals: SIGINT, SIGTERM and SIGHUP are passed on to the child that is running (a build
// or the app/backend), and this process exits with the child's status. npm 11 exits on
// SIGTERM without its shell passing the signal on, so this process (and the backend, which
// does the same) also stops its child and exits when its own parent goes away.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
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

/** Electron's binary, or why it cannot be had here (one line: what is missing and how to get it). */
function findElectron() {
  let binary;
  try {
    binary = require('electron'); // the package exports the binary's path; it throws when the download failed
  } catch (err) {
    const installed = fs.existsSync(path.join(root, 'node_modules', 'electron', 'package.json'));
    return {
      missing: installed
        ? `Electron's binary is missing (${String(err.message).split('\n')[0]}); fetch it with \`node node_modules/electron/install.js\` where github.com is reachable`
        : 'Electron is not installed (an optional dependency whose binary download needs github.com); `npm install` where it is reachable brings it',
    };
  }
  if (typeof binary !== 'string' || !fs.existsSync(binary))
    return { missing: `Electron's binary ${binary} is missing; run \`node node_modules/electron/install.js\`` };
  return { binary };
}

const electron = findElectron();
if (electron.binary) {
  // The app needs its bundled main process (dist/main/, about a second) and the console build above.
  // SQLite is node:sqlite inside Electron: no native addon to rebuild for Electron's ABI.
  await step(process.execPath, ['scripts/build-main.mjs']);
  console.log('flowscope: starting the Electron console');
  // `electron .`: the app is this package (its `main` is dist/main/electron-main.cjs), so it is
  // named Flowscope (productName) and keeps its data in the same folder as the packaged app.
  process.exit(await run(electron.binary, ['.', ...process.argv.slice(2)]));
} else {
  const flag = (name) => {
    const args = process.argv.slice(2);
    const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    return i < 0 ? undefined : args[i].includes('=') ? args[i].split('=').slice(1).join('=') : args[i + 1];
  };
  const port = flag('port') ?? process.env.PORT ?? '8000';
  const host = flag('host') ?? process.env.HOST ?? '127.0.0.1';
  console.log(`flowscope: ${electron.missing}. Serving the console in the browser instead: open http://${host}:${port}/`);
  process.exit(await run(process.execPath, ['bin/flowscope.js', 'serve', ...process.argv.slice(2)]));
}
