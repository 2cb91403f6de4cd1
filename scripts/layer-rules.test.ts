/**
 * The layer rules fail on deliberate violations: each folder rule of eslint.config.js (through
 * ESLint's Node API, with the repository's own config, on resolved paths), the cycle check,
 * and the browser tsconfig (through the TypeScript API: Node globals and modules are unknown
 * in protocol/, client/, scenario/, renderer/). Each violation is linted or checked as if it
 * were a file at the given path; nothing is written to disk. Allowed imports are checked too,
 * so a rule that reports everything would fail here.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
let eslint: ESLint;

beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfigFile: path.join(root, 'eslint.config.js') });
});

async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

// [the file (as if it were there), the import it makes, what the report must say]
const violations: Array<[file: string, source: string, expected: string]> = [
  // protocol/ imports nothing else of ours, no Node built-ins, no electron
  ['protocol/violation.ts', '../client/index.ts', 'protocol/ is pure'],
  ['protocol/violation.ts', '../backend/index.ts', 'protocol/ is pure'],
  ['protocol/violation.ts', '../package.json', 'protocol/ is pure'],
  ['protocol/violation.ts', 'node:fs', 'import-x/no-nodejs-modules'],
  ['protocol/violation.ts', 'fs', 'import-x/no-nodejs-modules'],
  ['protocol/violation.ts', 'electron', 'Only main/'],
  // client/ imports only protocol/; depth does not matter (the example)
  ['client/violation.ts', '../backend/index.ts', 'client/ imports only protocol/'],
  ['client/a/b/violation.ts', '../../../backend/index.ts', 'client/ imports only protocol/'],
  ['client/violation.ts', '../scenario/index.ts', 'client/ imports only protocol/'],
  ['client/violation.ts', '../cli/serve-command.ts', 'client/ imports only protocol/'],
  ['client/violation.ts', 'node:path', 'import-x/no-nodejs-modules'],
  // scenario/ imports only protocol/ and client/
  ['scenario/violation.ts', '../backend/index.ts', 'scenario/ imports only protocol/ and client/'],
  ['scenario/violation.ts', '../cli/serve-command.ts', 'scenario/ imports only protocol/ and client/'],
  ['scenario/violation.ts', '../renderer/src/app/app.tsx', 'scenario/ imports only protocol/ and client/'],
  ['scenario/violation.ts', 'node:fs', 'import-x/no-nodejs-modules'],
  // renderer/ never imports backend/, main/, cli/, test/
  ['renderer/src/violation.ts', '../../backend/index.ts', 'The renderer never imports'],
  ['renderer/src/deep/violation.tsx', '../../../backend/server/flowscope-server.ts', 'The renderer never imports'],
  ['renderer/src/violation.ts', '../../main/window-options.ts', 'The renderer never imports'],
  ['renderer/src/violation.ts', '../../cli/serve-command.ts', 'The renderer never imports'],
  ['renderer/src/violation.ts', '../../test/support/test-services.ts', 'The renderer never imports'],
  ['renderer/src/violation.ts', 'electron', 'Only main/'],
  // renderer/src: a feature reaches another feature (and app/ a feature) only through its index.ts;
  // ui/ imports no feature and no app/; a feature never imports app/ (tests included)
  ['renderer/src/features/composer/violation.ts', '../users/connection-store.ts', 'A feature imports another feature only through its index.ts'],
  ['renderer/src/features/scenarios/deep/violation.tsx', '../../timeline/run-model.ts', 'A feature imports another feature only through its index.ts'],
  ['renderer/src/features/history/violation.test.ts', '../timeline/run-index.ts', 'A feature imports another feature only through its index.ts'],
  ['renderer/src/app/violation.tsx', '../features/users/users-panel.tsx', 'The app shell imports a feature only through its index.ts'],
  ['renderer/src/features/users/violation.ts', '../../app/status-bar.tsx', 'A feature never imports the app shell'],
  ['renderer/src/features/users/violation.test.ts', '../../app/app.tsx', 'A feature never imports the app shell'],
  ['renderer/src/ui/violation.ts', '../features/users/index.ts', 'renderer/src/ui/ is the shared kit'],
  ['renderer/src/ui/deep/violation.tsx', '../../features/live-events/stream-event.ts', 'renderer/src/ui/ is the shared kit'],
  ['renderer/src/ui/violation.ts', '../app/app.tsx', 'renderer/src/ui/ is the shared kit'],
  // main/ imports only backend/index.ts and protocol/
  ['main/violation.ts', '../backend/server/flowscope-server.ts', 'main/ imports only backend/index.ts and protocol/'],
  ['main/violation.ts', '../client/index.ts', 'main/ imports only backend/index.ts and protocol/'],
  ['main/violation.ts', '../renderer/src/app/app.tsx', 'main/ imports only backend/index.ts and protocol/'],
  // backend/ imports no main/, renderer/, client/, cli/, electron; only its tests use test/
  ['backend/server/violation.ts', '../../client/index.ts', 'backend/ never imports'],
  ['backend/server/violation.test.ts', '../../client/index.ts', 'backend/ never imports'],
  ['backend/violation.ts', '../main/window-options.ts', 'backend/ never imports'],
  ['backend/violation.ts', '../renderer/src/app/app.tsx', 'backend/ never imports'],
  ['backend/violation.ts', '../cli/serve-command.ts', 'backend/ never imports'],
  ['backend/server/violation.ts', '../../test/support/test-services.ts', 'Only backend tests may use test/'],
  ['backend/violation.ts', 'electron', 'Only main/'],
  // adapters only through their factory, from anywhere (other adapters and tests included)
  ['backend/server/violation.ts', '../store/sqlite/sqlite-store.ts', 'import backend/store/store-factory.ts'],
  ['backend/server/violation.ts', '../store/postgres/postgres-store.ts', 'import backend/store/store-factory.ts'],
  ['backend/server/violation.ts', '../cache/memory/memory-cache.ts', 'import backend/cache/cache-factory.ts'],
  ['backend/server/violation.ts', '../cache/redis/create-redis-cache.ts', 'import backend/cache/cache-factory.ts'],
  ['backend/store/violation.test.ts', './sqlite/sqlite-store.ts', 'import backend/store/store-factory.ts'],
  ['backend/store/sqlite/violation.ts', '../postgres/postgres-store.ts', 'import backend/store/store-factory.ts'],
  ['backend/cache/memory/violation.ts', '../redis/create-redis-cache.ts', 'import backend/cache/cache-factory.ts'],
  ['test/violation.test.ts', '../backend/store/sqlite/sqlite-store.ts', 'import backend/store/store-factory.ts'],
  ['cli/violation.ts', '../backend/cache/redis/create-redis-cache.ts', 'cli/ imports backend/index.ts'],
  // cli/ imports backend/index.ts, client/, scenario/, protocol/ only (its tests also test/)
  ['cli/violation.ts', '../backend/server/flowscope-server.ts', 'cli/ imports backend/index.ts, client/, scenario/ and protocol/ only'],
  ['cli/violation.ts', '../main/window-options.ts', 'cli/ imports backend/index.ts, client/, scenario/ and protocol/ only'],
  ['cli/violation.ts', '../renderer/src/app/app.tsx', 'cli/ imports backend/index.ts, client/, scenario/ and protocol/ only'],
  ['cli/violation.ts', '../test/support/test-services.ts', 'cli/ imports backend/index.ts, client/, scenario/ and protocol/ only'],
  ['cli/violation.test.ts', '../backend/server/flowscope-server.ts', 'cli/ tests import backend/index.ts, client/, scenario/, protocol/ and test/ only'],
  ['cli/violation.test.ts', '../main/window-options.ts', 'cli/ tests import backend/index.ts, client/, scenario/, protocol/ and test/ only'],
  // test/ imports anything but main/ and renderer/
  ['test/violation.test.ts', '../main/window-options.ts', 'test/ never imports main/ or renderer/'],
  ['test/support/violation.ts', '../../renderer/src/app/app.tsx', 'test/ never imports main/ or renderer/'],
  ['test/violation.test.ts', 'electron', 'Only main/'],
  // electron only in main/ and the Electron e2e spec
  ['e2e/violation.spec.ts', 'electron', 'Only main/'],
  ['cli/violation.ts', 'electron/main', 'Only main/'],
  // an import that resolves to nothing cannot slip past the rules
  ['client/violation.ts', '../backend/no-such-file.ts', 'import-x/no-unresolved'],
];

const allowed: Array<[file: string, source: string]> = [
  ['protocol/allowed.ts', './envelope-types.ts'],
  ['protocol/allowed.ts', 'zod'],
  ['client/allowed.ts', '../protocol/index.ts'],
  ['client/a/b/allowed.ts', '../../../protocol/index.ts'],
  ['scenario/allowed.ts', '../client/index.ts'],
  ['scenario/allowed.ts', '../protocol/index.ts'],
  ['renderer/src/allowed.ts', '../../client/index.ts'],
  ['renderer/src/allowed.ts', '../../scenario/index.ts'],
  ['renderer/src/allowed.ts', '../../protocol/index.ts'],
  ['renderer/src/features/composer/allowed.ts', '../users/index.ts'],
  ['renderer/src/features/composer/allowed.ts', './send-outcome.ts'],
  ['renderer/src/features/composer/allowed.ts', '../../ui/copy-button.tsx'],
  ['renderer/src/features/composer/allowed.ts', '../../../../client/index.ts'],
  ['renderer/src/app/allowed.tsx', '../features/scenarios/index.ts'],
  ['renderer/src/app/allowed.tsx', '../ui/view-store.ts'],
  ['renderer/src/ui/allowed.ts', './external-store.ts'],
  ['main/allowed.ts', '../backend/index.ts'],
  ['main/allowed.ts', '../protocol/index.ts'],
  ['main/allowed.ts', 'electron'],
  ['backend/server/allowed.ts', '../../protocol/index.ts'],
  ['backend/server/allowed.ts', '../../scenario/index.ts'],
  ['backend/server/allowed.ts', '../store/store-factory.ts'],
  ['backend/server/allowed.test.ts', '../../test/support/test-services.ts'],
  ['backend/store/store-factory.ts', './sqlite/sqlite-store.ts'],
  ['backend/store/sqlite/allowed.ts', './sqlite-rows.ts'],
  ['backend/cache/cache-factory.ts', './redis/create-redis-cache.ts'],
  ['backend/cache/memory/allowed.ts', '../redis-commands/redis-cache.ts'],
  ['cli/allowed.ts', '../backend/index.ts'],
  ['cli/allowed.ts', '../client/index.ts'],
  ['cli/allowed.ts', '../scenario/index.ts'],
  ['cli/allowed.test.ts', '../test/support/test-services.ts'],
  ['test/allowed.test.ts', '../backend/server/flowscope-server.ts'],
  ['test/allowed.test.ts', '../client/index.ts'],
  ['test/allowed.test.ts', '../cli/serve-command.ts'],
  ['e2e/electron.spec.ts', 'electron'],
  ['scripts/allowed.ts', 'node:fs'],
];

describe('folder rules (eslint.config.js, resolved paths)', () => {
  it.each(violations)('%s importing %s is reported', async (file, source, expected) => {
    const messages = await lint(file, `import * as m from '${source}';\nexport const used = m;\n`);
    expect(
      messages.some((m) => m.includes(expected)),
      messages.join('\n') || '(no report)',
    ).toBe(true);
  });

  it('a dynamic import and a re-export are checked like an import', async () => {
    const messages = await lint('client/violation.ts', "export * from '../backend/index.ts';\nexport const later = () => import('../cli/serve-command.ts');\n");
    expect(messages.filter((m) => m.includes('client/ imports only protocol/'))).toHaveLength(2);
  });

  it.each(allowed)('%s importing %s is allowed', async (file, source) => {
    expect(await lint(file, `import * as m from '${source}';\nexport const used = m;\n`)).toEqual([]);
  });
});

describe('circular imports (import-x/no-cycle)', () => {
  // protocol/index.ts re-exports protocol/limits.ts: limits.ts importing index.ts closes a cycle.
  it('a runtime import cycle is reported', async () => {
    const messages = await lint('protocol/limits.ts', "import { ERROR_CODES } from './index.ts';\nexport const used = ERROR_CODES;\n");
    expect(
      messages.some((m) => m.startsWith('import-x/no-cycle')),
      messages.join('\n'),
    ).toBe(true);
  });

  // renderer/src/features/live-events/event-log-store.ts imports stream-event.ts; live-events
  // imports users/ (through its index), so users/ importing live-events closes a cycle.
  it.each([
    [
      'a type-only import',
      'renderer/src/features/live-events/stream-event.ts',
      "import type { EventLogState } from './event-log-store.ts';\nexport type Used = EventLogState;\n",
    ],
    [
      'a type-only import through two indexes',
      'renderer/src/features/users/traffic.ts',
      "import type { StreamEvent } from '../live-events/index.ts';\nexport type Used = StreamEvent;\n",
    ],
    ['a re-export', 'renderer/src/features/users/traffic.ts', "export type { StreamEvent } from '../live-events/index.ts';\n"],
    [
      'a runtime import',
      'renderer/src/features/live-events/stream-event.ts',
      "import { eventLogActions } from './event-log-store.ts';\nexport const used = eventLogActions;\n",
    ],
  ])('in the renderer, %s closing a cycle is reported (flowscope/no-renderer-cycle)', async (_what, file, code) => {
    const messages = await lint(file, code);
    expect(
      messages.some((m) => m.startsWith('flowscope/no-renderer-cycle')),
      messages.join('\n') || '(no report)',
    ).toBe(true);
  });

  it('in the renderer, a type-only import that closes no cycle is fine', async () => {
    const messages = await lint(
      'renderer/src/features/users/traffic.ts',
      "import type { ExternalStore } from '../../ui/external-store.ts';\nexport type Used = ExternalStore<object>;\n",
    );
    expect(messages).toEqual([]);
  });

  it('a type-only import does not count (it is erased)', async () => {
    const messages = await lint('protocol/limits.ts', "import type { ErrorCode } from './index.ts';\nexport type Used = ErrorCode;\n");
    expect(messages).toEqual([]);
  });
});

describe('one tsconfig per environment', () => {
  function parse(configFile: string): ts.ParsedCommandLine {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      path.join(root, configFile),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!parsed) throw new Error(`cannot read ${configFile}`);
    return parsed;
  }

  /** Type-checks `code` as if it were the file `file`, with the options of `configFile`. */
  function check(configFile: string, file: string, code: string): string[] {
    const options = { ...parse(configFile).options, composite: false, incremental: false, noEmit: true, emitDeclarationOnly: false };
    const fileName = path.join(root, file);
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, ...rest) =>
      path.resolve(name) === fileName ? ts.createSourceFile(name, code, language) : getSourceFile(name, language, ...rest);
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === fileName || fileExists(name);
    const program = ts.createProgram({ rootNames: [fileName], options, host });
    return ts.getPreEmitDiagnostics(program).map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  }

  const nodeCode = "import { readFileSync } from 'node:fs';\nexport const bytes = Buffer.byteLength(String(readFileSync)) + process.pid;\n";

  it.each(['protocol/violation.ts', 'client/violation.ts', 'scenario/violation.ts', 'renderer/src/violation.tsx'])(
    'Buffer, process and node:fs fail the type check in %s (tsconfig.browser.json)',
    (file) => {
      const errors = check('tsconfig.browser.json', file, nodeCode);
      expect(
        errors.some((e) => e.includes("Cannot find name 'Buffer'")),
        errors.join('\n'),
      ).toBe(true);
      expect(
        errors.some((e) => e.includes("Cannot find name 'process'")),
        errors.join('\n'),
      ).toBe(true);
      expect(
        errors.some((e) => e.includes("'node:fs'")),
        errors.join('\n'),
      ).toBe(true);
    },
    30_000,
  );

  it('the same code type-checks as Node code (tsconfig.json)', () => {
    expect(check('tsconfig.json', 'backend/violation.ts', nodeCode)).toEqual([]);
  }, 30_000);

  it('no file of the browser project brings in @types/node, directly or through a package', () => {
    const parsed = parse('tsconfig.browser.json');
    expect(parsed.fileNames.length).toBeGreaterThan(50);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: { ...parsed.options, noEmit: true } });
    const nodeTypes = program.getSourceFiles().filter((f) => f.fileName.includes('/node_modules/@types/node/'));
    expect(nodeTypes.map((f) => f.fileName)).toEqual([]);
    expect(parsed.fileNames.some((f) => /\.test\.tsx?$/.test(f))).toBe(false);
  }, 60_000);
});
