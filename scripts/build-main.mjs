#!/usr/bin/env node
// `npm run build:main`: the Electron main process as CommonJS bundles in dist/main/ (ESM
// main scripts inside asar still have open Electron bugs, so apps bundle the main process):
//   electron-main.cjs     the app's entry (package.json `main` of the packaged app)
//   desktop-backend.cjs   the backend as the app runs it; electron-main.cjs requires it, and
//                         it runs headless under any Node (the stand-in runtime test)
//   preload.cjs           the sandboxed preload (may require nothing but electron)
// Our code is bundled; npm packages stay external (they ship in the app's node_modules).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'main');

// CommonJS has no import.meta: give every bundle its own file URL instead.
const importMeta = {
  banner: { js: "const __flowscope_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__flowscope_import_meta_url' },
};

/** electron-main.ts imports desktop-backend.ts: at run time that is the separate bundle beside it. */
const desktopBackendExternal = {
  name: 'desktop-backend-external',
  setup(b) {
    b.onResolve({ filter: /\/desktop-backend\.ts$/ }, (args) =>
      args.importer.endsWith(`${path.sep}electron-main.ts`) ? { path: './desktop-backend.cjs', external: true } : undefined,
    );
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  build({
    ...common,
    ...importMeta,
    entryPoints: { 'electron-main': 'main/electron-main.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
    target: 'node24', // Electron 41
    plugins: [desktopBackendExternal],
  }),
  build({
    ...common,
    ...importMeta,
    entryPoints: { 'desktop-backend': 'main/desktop-backend.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    target: 'node20', // also run headless by any supported Node
  }),
  build({
    ...common,
    entryPoints: { preload: 'main/preload.ts' },
    outdir,
    outExtension: { '.js': '.cjs' },
    external: ['electron'],
    target: 'chrome146',
  }),
]);
