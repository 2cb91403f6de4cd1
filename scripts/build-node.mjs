#!/usr/bin/env node
// `npm run build:node`: JavaScript and declarations of the installed package into dist/node/
// (tsconfig.build.json). TypeScript rewrites `./x.ts` imports to `./x.js` in the JavaScript it
// emits (rewriteRelativeImportExtensions) but not in declaration files, where a project that
// installs Flowscope would read them as TS5097 errors; this rewrites those too.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'node');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

fs.rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });

const SPECIFIER = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.(ts|tsx|mts|cts)(['"])/g;
const EXT = { ts: 'js', tsx: 'js', mts: 'mjs', cts: 'cjs' };
let rewritten = 0;
function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (/\.d\.(m|c)?ts$/.test(entry.name)) {
      const text = fs.readFileSync(full, 'utf8');
      const next = text.replace(SPECIFIER, (_m, head, spec, ext, tail) => `${head}${spec}.${EXT[ext]}${tail}`);
      if (next !== text) {
        fs.writeFileSync(full, next);
        rewritten++;
      }
    }
  }
}
walk(out);
if (rewritten === 0) throw new Error('build-node: no declaration file imported a .ts path; check the rewrite');
