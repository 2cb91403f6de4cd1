// `npm start`: builds the console, then launches the Electron app where Electron is
// installed (and has a main process to run); otherwise serves the same console from the
// backend in the browser and says so.
import { spawnSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';

const require = createRequire(import.meta.url);
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']);

function findElectron() {
  try {
    return require('electron'); // the package exports the binary's path
  } catch {
    return null;
  }
}
const electronBinary = findElectron();
const electronMain = 'dist/node/main/electron-main.js';
if (electronBinary) run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build:node']);
if (electronBinary && fs.existsSync(electronMain)) {
  console.log('flowscope: starting the Electron console');
  spawn(electronBinary, [electronMain], { stdio: 'inherit' }).on('exit', (code) => process.exit(code ?? 0));
} else {
  const port = process.env.PORT ?? '8000';
  const host = process.env.HOST ?? '127.0.0.1';
  console.log(
    `flowscope: Electron is not available here; serving the console in the browser at http://${host}:${port}/ (open it there).`,
  );
  const child = spawn(process.execPath, ['bin/flowscope.js', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
