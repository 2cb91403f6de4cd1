/**
 * electron-builder.yml: the settings the desktop app's security and startup depend on cannot
 * change silently. The file is checked against electron-builder's own JSON schema (a
 * misspelled key is ignored by nothing but this), and its file patterns are evaluated the
 * way electron-builder evaluates them (minimatch, in order, dot files included; the last
 * pattern that decides wins) on the paths that matter.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Minimatch } from 'minimatch';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const configText = fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
const config = parse(configText) as Record<string, unknown>;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  homepage?: string;
  repository?: unknown;
  author?: string | { email?: string };
  optionalDependencies?: Record<string, string>;
};

/** electron-builder's decision for one path (app-builder-lib/out/util/filter.js, minimatchAll). */
function decides(patterns: readonly string[], file: string): boolean {
  let match = false;
  for (const pattern of patterns.map((p) => new Minimatch(p, { dot: true }))) {
    if (match !== pattern.negate) continue;
    match = pattern.match(file);
  }
  return match;
}

const files = config.files as string[];
// Production node_modules are always copied; only the "!" patterns of `files` filter them.
const nodeModulePatterns = ['**/*', ...files.filter((p) => p.startsWith('!'))];

describe('electron-builder.yml', () => {
  it('is valid against electron-builder 26 schema (no unknown or misspelled key)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(schema);
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('sets the fuses: Playwright and ELECTRON_RUN_AS_NODE keep working, NODE_OPTIONS and loose app code do not', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: true,
      enableNodeCliInspectArguments: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      enableCookieEncryption: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it("never rebuilds the project's node_modules for Electron", () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.nodeGypRebuild).toBe(false);
    expect(config.buildDependenciesFromSource).toBe(false);
    expect(configText).not.toMatch(/install-app-deps/);
  });

  it('starts the bundled main process and packs into asar', () => {
    expect(config.extraMetadata).toEqual({ main: 'dist/main/electron-main.cjs' });
    expect(config.asar).toBe(true);
  });

  it('pins the Electron version of package.json', () => {
    expect(config.electronVersion).toBe(pkg.optionalDependencies?.electron);
  });

  it('ships the bundles, the console and the scenario pack, not the sources or tests', () => {
    for (const file of [
      'package.json',
      'dist/main/electron-main.cjs',
      'dist/main/desktop-backend.cjs',
      'dist/main/preload.cjs',
      'dist/renderer/index.html',
      'scenarios/golden/basic.yaml',
    ]) {
      expect(decides(files, file), file).toBe(true);
    }
    for (const file of [
      'backend/index.ts',
      'main/electron-main.ts',
      'cli/serve-command.ts',
      'test/README.md',
      'e2e/electron.spec.ts',
      'dist/node/main/electron-main.js',
      'main/ipc-guard.test.ts',
    ]) {
      expect(decides(files, file), file).toBe(false);
    }
  });

  it('leaves better-sqlite3 (and its native loaders) out of the production node_modules, keeps the rest', () => {
    for (const file of [
      'node_modules/better-sqlite3/package.json',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/better-sqlite3/lib/index.js',
      'node_modules/bindings/bindings.js',
      'node_modules/prebuild-install/index.js',
      'node_modules/openai/src/index.ts',
      'node_modules/zod/index.cjs.map',
    ]) {
      expect(decides(nodeModulePatterns, file), file).toBe(false);
    }
    for (const file of [
      'node_modules/ws/index.js',
      'node_modules/tsx/dist/esm/api/index.cjs',
      'node_modules/esbuild/lib/main.js',
      'node_modules/@esbuild/linux-x64/bin/esbuild',
      'node_modules/zod/index.cjs',
      'node_modules/pg/lib/index.js',
      'node_modules/openai/index.js',
      'node_modules/ws/LICENSE',
    ]) {
      expect(decides(nodeModulePatterns, file), file).toBe(true);
    }
  });

  it("keeps esbuild's executable outside asar, where tsx can run it", () => {
    const unpack = config.asarUnpack as string[];
    expect(unpack).toEqual(expect.arrayContaining(['node_modules/esbuild/**', 'node_modules/@esbuild/**']));
    expect(decides(unpack, 'node_modules/@esbuild/linux-x64/bin/esbuild')).toBe(true);
    expect(decides(unpack, 'node_modules/esbuild/bin/esbuild')).toBe(true);
    expect(decides(unpack, 'node_modules/ws/index.js')).toBe(false);
  });

  it('builds the AppImage, with the executable the packaged-app e2e project launches', () => {
    const linux = config.linux as { target: string[]; executableName: string };
    expect(linux.target).toEqual(['AppImage']);
    expect(linux.executableName).toBe('flowscope');
    expect((config.directories as { output: string }).output).toBe('out');
  });

  it('builds the .deb on GitHub with what it needs: a maintainer with an email and a homepage, from the repository it runs in', () => {
    // electron-builder refuses a .deb without them; this project has no address of its own to
    // write into package.json, so the workflow passes the repository's.
    const workflow = fs.readFileSync(path.join(root, '.github/workflows/ci.yml'), 'utf8');
    const packaging = workflow.split('\n').find((line) => /electron-builder .*\bdeb\b/.test(line)) ?? '';
    expect(packaging, 'a step running electron-builder for the .deb').toMatch(/--linux AppImage deb/);
    expect(packaging).toMatch(/-c\.linux\.maintainer="[^"]*<[^"]*@[^"]*>"/);
    expect(packaging).toMatch(/-c\.extraMetadata\.homepage="\$\{\{ github\.server_url \}\}\/\$\{\{ github\.repository \}\}"/);
  });
});
