/**
 * Where the Flowscope package is, from the sources (a checkout: cli/) or the build (an
 * installed package: dist/node/cli/): the folder of its package.json, and what it ships
 * beside the code (the console build, the built-in scenario pack).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === 'flowscope') return dir;
      } catch {
        // not ours; keep looking
      }
    }
    if (path.dirname(dir) === dir) throw new Error(`flowscope: cannot find the package's package.json above ${from}`);
  }
}

export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** The console's web build (`vite build`), served at `/` by `flowscope serve`. */
export const CONSOLE_BUILD_DIR = path.join(PACKAGE_ROOT, 'dist', 'renderer');

/** The built-in scenario pack; its folders run by name (`flowscope run agent-conformance`). */
export const BUILTIN_SCENARIO_DIR = path.join(PACKAGE_ROOT, 'scenarios');

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The built-in packs (folders of the scenario pack), by name. */
export function builtinPacks(): string[] {
  try {
    return fs
      .readdirSync(BUILTIN_SCENARIO_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !e.name.startsWith('_'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
