/**
 * electron-builder.yml, applied by electron-builder itself: `electron-builder --linux --dir`
 * runs on a temporary copy of the project (package.json, the lock, the scenario pack, this
 * checkout's node_modules linked in, stand-in bundles for dist/) with a stand-in Electron
 * distribution: a file carrying Electron's fuse wire (the sentinel @electron/fuses looks
 * for), in place of the runtime that only GitHub serves. What comes out is the real
 * out/linux-unpacked: its app.asar, what was unpacked beside it, and the fuses flipped in
 * the executable. What needs the real runtime (launching it) is the GitHub workflow's
 * electron job (e2e/electron-packaged.spec.ts).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPackage, extractFile } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { esbuildBinaryId, unpackedEsbuildBinary } from './packaged-esbuild.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ON = 0x31;
const OFF = 0x30;
// Electron's own defaults (its fuse wire as shipped), so each change the config makes shows.
const SHIPPED: Record<FuseV1Options, number> = {
  [FuseV1Options.RunAsNode]: ON,
  [FuseV1Options.EnableCookieEncryption]: OFF,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: ON,
  [FuseV1Options.EnableNodeCliInspectArguments]: ON,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: OFF,
  [FuseV1Options.OnlyLoadAppFromAsar]: OFF,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: OFF,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: ON,
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-package-'));
const project = path.join(tmp, 'project');
const electronDist = path.join(tmp, 'electron-dist');
const unpacked = path.join(project, 'out', 'linux-unpacked');
const asarFile = path.join(unpacked, 'resources', 'app.asar');

/**
 * Hard links where the file system allows (fast, nothing copied), copies elsewhere; better-sqlite3
 * is always copied, so that a packaging step that rebuilt it could never reach this checkout's build.
 */
function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory() && entry.name === 'better-sqlite3') fs.cpSync(source, target, { recursive: true, verbatimSymlinks: true });
    else if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(source), target);
    else {
      try {
        fs.linkSync(source, target);
      } catch {
        fs.copyFileSync(source, target);
      }
    }
  }
}

let build: ReturnType<typeof spawnSync>;
const addon = path.join(project, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
let addonBefore = '';
const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(() => {
  // the project as `npm run build` leaves it, with stand-ins for the bundles
  fs.mkdirSync(path.join(project, 'dist', 'main'), { recursive: true });
  fs.mkdirSync(path.join(project, 'dist', 'renderer'), { recursive: true });
  for (const name of ['package.json', 'package-lock.json', 'electron-builder.yml']) fs.copyFileSync(path.join(root, name), path.join(project, name));
  fs.cpSync(path.join(root, 'scenarios'), path.join(project, 'scenarios'), { recursive: true });
  for (const name of ['electron-main.cjs', 'desktop-backend.cjs', 'preload.cjs'])
    fs.writeFileSync(path.join(project, 'dist', 'main', name), `// stand-in ${name}\n`);
  fs.writeFileSync(path.join(project, 'dist', 'renderer', 'index.html'), '<!doctype html><title>stand-in</title>\n');
  // source the packaged app must not carry
  fs.mkdirSync(path.join(project, 'backend'), { recursive: true });
  fs.writeFileSync(path.join(project, 'backend', 'index.ts'), 'export {};\n');
  linkTree(path.join(root, 'node_modules'), path.join(project, 'node_modules'));
  addonBefore = sha256(addon);

  // the stand-in Electron distribution: an executable with the fuse wire, the sandbox helper
  fs.mkdirSync(path.join(electronDist, 'resources'), { recursive: true });
  const wire = Buffer.from(Object.keys(SHIPPED).map((k) => SHIPPED[Number(k) as FuseV1Options]));
  const binary = Buffer.concat([
    Buffer.from('#!/bin/sh\nexit 0\n'),
    Buffer.alloc(32),
    Buffer.from(SENTINEL),
    Buffer.from([1, wire.length]),
    wire,
    Buffer.alloc(32),
  ]);
  fs.writeFileSync(path.join(electronDist, 'electron'), binary, { mode: 0o755 });
  fs.writeFileSync(path.join(electronDist, 'chrome-sandbox'), '', { mode: 0o755 });
  fs.writeFileSync(path.join(electronDist, 'version'), 'v41.10.0');

  build = spawnSync(
    process.execPath,
    [require.resolve('electron-builder/cli.js'), '--linux', '--dir', '--publish', 'never', `-c.electronDist=${electronDist}`],
    { cwd: project, encoding: 'utf8', timeout: 300_000, env: { ...process.env, ELECTRON_BUILDER_CACHE: path.join(tmp, 'cache') } },
  );
}, 360_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('electron-builder --linux --dir with electron-builder.yml', () => {
  it('packages without rebuilding anything', () => {
    expect(build.status, `${String(build.stdout)}\n${String(build.stderr)}`).toBe(0);
    // npm ci's better-sqlite3 build (for the Node that ran npm) is left as it was
    expect(sha256(addon)).toBe(addonBefore);
    expect(fs.existsSync(path.join(unpacked, 'flowscope'))).toBe(true);
  });

  it('puts the bundles, the console and the scenario pack into app.asar, with the bundled entry as main', () => {
    const files = new Set(listPackage(asarFile, { isPack: false }).map((f) => f.replace(/\\/g, '/')));
    for (const file of [
      '/package.json',
      '/dist/main/electron-main.cjs',
      '/dist/main/desktop-backend.cjs',
      '/dist/main/preload.cjs',
      '/dist/renderer/index.html',
    ]) {
      expect(files.has(file), file).toBe(true);
    }
    expect([...files].some((f) => f.startsWith('/scenarios/golden/') && f.endsWith('.yaml'))).toBe(true);
    expect([...files].some((f) => f.startsWith('/backend/'))).toBe(false);
    const pkg = JSON.parse(extractFile(asarFile, 'package.json').toString()) as { main: string };
    expect(pkg.main).toBe('dist/main/electron-main.cjs');
  });

  it('ships every production dependency but better-sqlite3, and no TypeScript sources', () => {
    const files = listPackage(asarFile, { isPack: false }).map((f) => f.replace(/\\/g, '/'));
    const modules = new Set(
      files
        .filter((f) => f.startsWith('/node_modules/'))
        .map((f) =>
          f
            .split('/')
            .slice(2, f.split('/')[2]!.startsWith('@') ? 4 : 3)
            .join('/'),
        ),
    );
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies)) expect(modules.has(dep), dep).toBe(dep !== 'better-sqlite3');
    for (const dep of ['bindings', 'prebuild-install', 'electron', 'electron-builder', 'vitest', 'typescript']) expect(modules.has(dep), dep).toBe(false);
    expect(files.filter((f) => f.startsWith('/node_modules/') && /\.(ts|mts|cts)$/.test(f))).toEqual([]);
    expect(files.some((f) => f.endsWith('.node'))).toBe(false);
  });

  it("keeps esbuild's executable outside the archive, where packaged-esbuild.ts finds it and it runs", () => {
    const id = esbuildBinaryId(process.platform, process.arch);
    const inArchive = path.join(unpacked, 'resources', 'app.asar', 'node_modules', ...id.split('/'));
    const binary = unpackedEsbuildBinary({ resolve: () => inArchive, exists: (f) => fs.existsSync(f) });
    expect(binary).toBe(path.join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', ...id.split('/')));
    const run = spawnSync(binary!, ['--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe((require('esbuild/package.json') as { version: string }).version);
  });

  it('flips the fuses in the executable as configured', async () => {
    const wire = (await getCurrentFuseWire(path.join(unpacked, 'flowscope'))) as unknown as Record<number, number>;
    expect({
      runAsNode: wire[FuseV1Options.RunAsNode],
      cookieEncryption: wire[FuseV1Options.EnableCookieEncryption],
      nodeOptions: wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable],
      nodeCliInspect: wire[FuseV1Options.EnableNodeCliInspectArguments],
      asarIntegrity: wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation],
      onlyAsar: wire[FuseV1Options.OnlyLoadAppFromAsar],
      v8Snapshot: wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot],
      fileProtocol: wire[FuseV1Options.GrantFileProtocolExtraPrivileges],
    }).toEqual({
      runAsNode: ON,
      cookieEncryption: ON,
      nodeOptions: OFF,
      nodeCliInspect: ON,
      asarIntegrity: ON,
      onlyAsar: ON,
      v8Snapshot: OFF,
      fileProtocol: OFF,
    });
  });
});
