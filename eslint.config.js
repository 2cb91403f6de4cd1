// Lint config. Besides the usual rules it enforces the folder boundaries (docs/architecture.md, Layers)
// on resolved paths: every import (static, dynamic, re-export, require) is resolved the way
// TypeScript resolves it (eslint-import-resolver-typescript), so `../../../backend/x.ts` from
// any depth is the file backend/x.ts, and an import that resolves to nothing is an error
// (import-x/no-unresolved), so no path escapes the rules by not resolving.
// - protocol/ imports nothing else of ours, no Node built-ins;
// - client/ imports only protocol/;
// - scenario/ imports only protocol/ and client/;
// - renderer/ never imports backend/, main/, cli/ or test/;
// - main/ imports only backend/index.ts and protocol/ (and electron);
// - backend/ imports no main/, renderer/, client/ or cli/ (only its tests may use test/);
// - cli/ imports backend/index.ts, client/, scenario/ and protocol/ only (its tests also test/);
// - test/ imports anything but main/ and renderer/;
// - store and cache adapters are reached only through their folder's factory;
// - electron only in main/ (and the Electron e2e spec); browser code no Node built-ins,
//   Buffer or process outside its tests;
// - renderer/src: a feature (features/<name>/) imports another feature, and the app shell
//   (app/) a feature, only through its index.ts; ui/ imports no feature and no app/; a
//   feature never imports app/;
// - no circular imports (import-x/no-cycle); in renderer/ none at all, type-only imports
//   included (flowscope/no-renderer-cycle).
// `npm run lint` (in `pretest`) fails on any of them; scripts/layer-rules.test.ts feeds each
// one a deliberate violation.
import fs from 'node:fs';
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import ts from 'typescript';

const root = import.meta.dirname;

// ---- Folder boundaries -------------------------------------------------------------------
// One row per rule. `files`: the files it applies to (globs, from the repo root; `!(*.test)`
// picks the non-test files). A row with `only` lets those files import, of our own files, just
// their own folder and the `only` list (packages are always allowed); a row with `not` forbids
// the listed folders or files, but for its `except` list (paths inside the one `not` folder).
// `exempt`: files the row does not apply to (an adapter's own folder and its factory); no
// file may match two different `exempt` globs.
const SRC = '!(*.test).{ts,tsx}'; // non-test sources
// The console's feature folders (renderer/src/features/<name>/, each with an index.ts).
const FEATURES = 'renderer/src/features';
const features = fs
  .readdirSync(path.join(root, FEATURES), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const layers = [
  { files: 'protocol/**', only: [], message: 'protocol/ is pure: it imports nothing else of ours.' },
  { files: 'client/**', only: ['protocol'], message: 'client/ imports only protocol/.' },
  { files: 'scenario/**', only: ['protocol', 'client'], message: 'scenario/ imports only protocol/ and client/.' },
  {
    files: 'renderer/**',
    not: ['backend', 'main', 'cli', 'test'],
    message: 'The renderer never imports backend/, main/, cli/ or test/: it talks to the backend over the protocol.',
  },
  { files: 'main/**', only: ['protocol', 'backend/index.ts'], message: 'main/ imports only backend/index.ts and protocol/.' },
  { files: 'backend/**', not: ['main', 'renderer', 'client', 'cli'], message: 'backend/ never imports main/, renderer/, client/ or cli/.' },
  { files: `backend/**/${SRC}`, not: ['test'], message: 'Only backend tests may use test/ (the system tests and their support).' },
  {
    files: `cli/**/${SRC}`,
    only: ['backend/index.ts', 'client', 'scenario', 'protocol'],
    message: 'cli/ imports backend/index.ts, client/, scenario/ and protocol/ only.',
  },
  {
    files: 'cli/**/*.test.{ts,tsx}',
    only: ['backend/index.ts', 'client', 'scenario', 'protocol', 'test'],
    message: 'cli/ tests import backend/index.ts, client/, scenario/, protocol/ and test/ only.',
  },
  { files: 'test/**', not: ['main', 'renderer'], message: 'test/ never imports main/ or renderer/.' },
  // the console: features/<name>/ (each owning its state and views), app/ (the shell), ui/ (the kit)
  ...features.map((feature) => ({
    files: `${FEATURES}/${feature}/**`,
    not: [FEATURES],
    except: [feature, ...features.filter((f) => f !== feature).map((f) => `${f}/index.ts`)],
    message: `A feature imports another feature only through its index.ts (${FEATURES}/<feature>/index.ts).`,
  })),
  {
    files: 'renderer/src/app/**',
    not: [FEATURES],
    except: features.map((f) => `${f}/index.ts`),
    message: `The app shell imports a feature only through its index.ts (${FEATURES}/<feature>/index.ts).`,
  },
  { files: `${FEATURES}/**`, not: ['renderer/src/app'], message: 'A feature never imports the app shell (renderer/src/app/).' },
  {
    files: 'renderer/src/ui/**',
    not: [FEATURES, 'renderer/src/app'],
    message: 'renderer/src/ui/ is the shared kit: it imports no feature and not the app shell.',
  },
  ...[
    ['backend/store/sqlite', 'backend/store/store-factory.ts'],
    ['backend/store/postgres', 'backend/store/store-factory.ts'],
    ['backend/cache/memory', 'backend/cache/cache-factory.ts'],
    ['backend/cache/redis', 'backend/cache/cache-factory.ts'],
  ].map(([adapter, factory]) => ({
    files: '**',
    exempt: [`${adapter}/**`, factory],
    not: [adapter],
    message: `Adapters are reached only through their folder's factory: import ${factory}, not ${adapter}/.`,
  })),
];

// A row as an import-x/no-restricted-paths zone: `only` is "everything of ours (the repo
// root, less node_modules/) except the own folder and the list".
const zoneOf = (row) => ({
  target: row.files,
  from: row.only ? '.' : row.not,
  except: row.only ? ['node_modules', row.files.split('/')[0], ...row.only] : (row.except ?? []),
  message: row.message,
});
const restrictedPaths = (rows) => ({ 'import-x/no-restricted-paths': ['error', { basePath: root, zones: rows.map(zoneOf) }] });
// All rows for every file; then, per exempt glob, all rows but the ones exempting it.
const exemptGlobs = [...new Set(layers.flatMap((l) => l.exempt ?? []))];
const boundaryBlocks = [
  { files: ['**/*.{ts,tsx,js,mjs,cjs}'], rules: restrictedPaths(layers) },
  ...exemptGlobs.map((glob) => ({
    files: [glob],
    rules: restrictedPaths(layers.filter((l) => !(l.exempt ?? []).includes(glob))),
  })),
];

// ---- No cycles in the renderer, type-only imports included ------------------------------
// import-x/no-cycle skips type-only imports (they are erased); in the renderer a type-only
// cycle is still two features (or two files) that cannot be understood apart, so this rule
// counts every import: static, type-only, re-export, dynamic. The renderer's own imports are
// relative paths; its graph is read with TypeScript's preProcessFile (cached by mtime).
const RENDERER = path.join(root, 'renderer') + path.sep;
const importsCache = new Map();
function resolveRendererImport(from, spec) {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts')]) {
    if (candidate.startsWith(RENDERER) && /\.tsx?$/.test(candidate) && fs.existsSync(candidate)) return candidate;
  }
  return null;
}
function rendererImportsOf(file) {
  const mtimeMs = fs.statSync(file).mtimeMs;
  const cached = importsCache.get(file);
  if (cached?.mtimeMs === mtimeMs) return cached.imports;
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  const imports = importedFiles.map((f) => resolveRendererImport(file, f.fileName)).filter((f) => f !== null);
  importsCache.set(file, { mtimeMs, imports });
  return imports;
}
/** The import path from `start` back to `file` (breadth first: the shortest), or null. */
function routeBack(start, file) {
  const previous = new Map([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const at = queue.shift();
    for (const next of rendererImportsOf(at)) {
      if (next === file) {
        const route = [];
        for (let f = at; f !== null; f = previous.get(f)) route.unshift(f);
        return route;
      }
      if (!previous.has(next)) {
        previous.set(next, at);
        queue.push(next);
      }
    }
  }
  return null;
}
const noRendererCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles in the renderer, type-only imports included.' },
    messages: { cycle: 'Import cycle in the renderer (type-only imports count too): {{route}}.' },
    schema: [],
  },
  create(context) {
    const file = context.physicalFilename;
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      const target = resolveRendererImport(file, spec);
      const route = target && routeBack(target, file);
      if (route) context.report({ node, messageId: 'cycle', data: { route: [file, ...route, file].map((f) => path.relative(root, f)).join(' → ') } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

const electronOnlyInMain = {
  'no-restricted-imports': [
    'error',
    { patterns: [{ group: ['electron', 'electron/*'], message: 'Only main/ (and the Electron e2e spec) may import electron.' }] },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'test-results/**', 'playwright-report/**', 'coverage/**', '.tsbuild/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: path.join(root, 'tsconfig.json') })],
    },
    rules: {
      // electron is an optional dependency: it may be absent, and it is checked by name below.
      'import-x/no-unresolved': ['error', { ignore: ['^electron(/|$)'] }],
      // Type-only imports are erased, so they may form cycles; runtime imports may not. Not in
      // the renderer: there flowscope/no-renderer-cycle (below) counts type-only imports too.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      ...electronOnlyInMain,
    },
  },
  ...boundaryBlocks,
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { flowscope: { rules: { 'no-renderer-cycle': noRendererCycle } } },
    rules: { 'flowscope/no-renderer-cycle': 'error' },
  },
  {
    files: ['main/**', 'e2e/electron.spec.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // Browser code (the console runs all of it): no Node built-ins or globals outside tests;
    // tsconfig.browser.json has no Node types either.
    files: [`{protocol,client,scenario,renderer}/**/${SRC}`],
    rules: {
      'import-x/no-nodejs-modules': 'error',
      'no-restricted-globals': [
        'error',
        { name: 'Buffer', message: 'Browser code: use TextEncoder / Uint8Array.' },
        { name: 'process', message: 'Browser code: take settings as options.' },
      ],
    },
  },
);
