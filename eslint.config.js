// Lint config. Besides the usual rules it enforces the folder boundaries (DEVELOPERS.md):
// - protocol/ imports nothing else of ours;
// - client/ imports only protocol/;
// - scenario/ imports only protocol/ and client/ (browser code: no node: modules, Buffer or process);
// - renderer/ never imports backend/, main/ or cli/;
// - main/ imports only backend/index.ts and protocol/ (and electron);
// - backend/ imports no electron, main/, renderer/, client/ or cli/;
// - store and cache adapters are reached only through their folder's factory.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectron = { name: 'electron', message: 'Only main/ may import electron.' };
const layer = (patterns, paths = []) => ({
  'no-restricted-imports': ['error', { paths, patterns }],
});
const group = (list, message) => ({ group: list, message });
const scenarioForbidden = ['../backend/**', '../main/**', '../renderer/**', '../cli/**', '../../backend/**', '../../main/**', '../../renderer/**', '../../cli/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', 'test-results/**', 'playwright-report/**', 'coverage/**'] },
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
    files: ['protocol/**/*.ts'],
    rules: layer([group(['../*', '!../protocol', '../../*'], 'protocol/ is pure: it imports nothing else of ours.')], [noElectron]),
  },
  {
    files: ['client/**/*.ts'],
    rules: layer([group(['../backend/**', '../main/**', '../renderer/**', '../cli/**', '../scenario/**', '../../backend/**', '../../main/**', '../../renderer/**', '../../cli/**', '../../scenario/**'], 'client/ imports only protocol/.')], [noElectron]),
  },
  {
    files: ['scenario/**/*.ts'],
    rules: layer([group(scenarioForbidden, 'scenario/ imports only protocol/ and client/.')], [noElectron]),
  },
  {
    // The console runs the scenario engine in the browser: no Node modules or globals outside tests.
    files: ['scenario/**/*.ts'],
    ignores: ['scenario/**/*.test.ts'],
    rules: {
      ...layer([group(scenarioForbidden, 'scenario/ imports only protocol/ and client/.'), group(['node:*'], 'scenario/ is browser code (the console runs it): no node: modules.')], [noElectron]),
      'no-restricted-globals': ['error', { name: 'Buffer', message: 'scenario/ is browser code: use TextEncoder / Uint8Array.' }, { name: 'process', message: 'scenario/ is browser code: take settings as options.' }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: layer([group(['**/backend/**', '**/backend', '**/main/**', '**/cli/**'], 'The renderer never imports backend/, main/ or cli/: talk to the backend over the protocol.')], [noElectron]),
  },
  {
    files: ['main/**/*.ts'],
    rules: layer([
      group(['../backend/*', '!../backend/index.ts', '../backend/*/**', '../renderer/**', '../client/**', '../cli/**'], 'main/ imports only backend/index.ts and protocol/.'),
    ]),
  },
  {
    files: ['backend/**/*.ts'],
    ignores: ['backend/store/store-factory.ts', 'backend/cache/cache-factory.ts', 'backend/store/sqlite/**', 'backend/store/postgres/**', 'backend/cache/memory/**', 'backend/cache/redis/**', 'backend/cache/redis-protocol/**'],
    rules: layer(
      [
        group(['**/main/**', '**/renderer/**', '**/client/**', '**/cli/**'], 'backend/ must not import main/, renderer/, client/ or cli/.'),
        group(['**/store/sqlite/*', '**/store/postgres/*', '**/cache/memory/*', '**/cache/redis/*'], 'Adapters are reached only through their folder factory (store-factory.ts, cache-factory.ts).'),
      ],
      [noElectron],
    ),
  },
  {
    files: ['backend/store/sqlite/**', 'backend/store/postgres/**', 'backend/cache/memory/**', 'backend/cache/redis/**', 'backend/store/store-factory.ts', 'backend/cache/cache-factory.ts'],
    rules: layer([group(['**/main/**', '**/renderer/**', '**/client/**', '**/cli/**'], 'backend/ must not import main/, renderer/, client/ or cli/.')], [noElectron]),
  },
  {
    files: ['cli/**/*.ts'],
    rules: layer([group(['../backend/*', '!../backend/index.ts', '../backend/*/**', '../main/**', '../renderer/**'], 'cli/ imports backend/index.ts, client/ and protocol/ only.')], [noElectron]),
  },
  {
    // System tests and their support (test/) drive backend/ through client/, cli/ and scenario/.
    files: ['test/**/*.ts'],
    rules: layer([group(['**/main/**', '**/renderer/**'], 'test/ imports backend/, client/, cli/, scenario/ and protocol/, never main/ or renderer/.')], [noElectron]),
  },
);
