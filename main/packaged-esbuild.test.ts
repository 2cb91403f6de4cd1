import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildBinaryId, unpackedEsbuildBinary, useUnpackedEsbuild } from './packaged-esbuild.ts';

// A packaged layout on disk: resources/app.asar (a file, as in the real app) and
// resources/app.asar.unpacked/node_modules/@esbuild/<platform>/bin/esbuild (a copy of the real
// executable); resolution inside the archive answers a path under app.asar, as Electron's does.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-asar-'));
const resources = path.join(tmp, 'resources');
const id = esbuildBinaryId(process.platform, process.arch);
const realBinary = createRequire(import.meta.url).resolve(id);
const unpackedBinary = path.join(resources, 'app.asar.unpacked', 'node_modules', ...id.split('/'));
fs.mkdirSync(path.dirname(unpackedBinary), { recursive: true });
fs.copyFileSync(realBinary, unpackedBinary);
fs.chmodSync(unpackedBinary, 0o755);
fs.writeFileSync(path.join(resources, 'app.asar'), 'not a directory');
const insideAsar = path.join(resources, 'app.asar', 'node_modules', ...id.split('/'));
const packaged = { resolve: () => insideAsar, exists: (f: string) => fs.existsSync(f) };

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('unpackedEsbuildBinary', () => {
  it('maps the executable inside app.asar to its unpacked copy, which runs', () => {
    const binary = unpackedEsbuildBinary(packaged);
    expect(binary).toBe(unpackedBinary);
    const run = spawnSync(binary!, ['--version'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    // and the path inside the archive is what cannot run
    expect(spawnSync(insideAsar, ['--version']).error).toBeDefined();
  });

  it('leaves an unpackaged checkout alone (esbuild finds its own executable)', () => {
    expect(unpackedEsbuildBinary({ resolve: (i) => createRequire(import.meta.url).resolve(i), exists: fs.existsSync })).toBeNull();
  });

  it('gives null when the unpacked copy is missing or esbuild has no package for the platform', () => {
    expect(unpackedEsbuildBinary({ ...packaged, exists: () => false })).toBeNull();
    const noPackage = () => {
      throw Object.assign(new Error('Cannot find module'), { code: 'MODULE_NOT_FOUND' });
    };
    expect(unpackedEsbuildBinary({ resolve: noPackage, exists: () => true })).toBeNull();
  });

  it('names the executable as esbuild does on each platform', () => {
    expect(esbuildBinaryId('linux', 'x64')).toBe('@esbuild/linux-x64/bin/esbuild');
    expect(esbuildBinaryId('linux', 'arm64')).toBe('@esbuild/linux-arm64/bin/esbuild');
    expect(esbuildBinaryId('darwin', 'arm64')).toBe('@esbuild/darwin-arm64/bin/esbuild');
    expect(esbuildBinaryId('win32', 'x64')).toBe('@esbuild/win32-x64/esbuild.exe');
  });
});

describe('useUnpackedEsbuild', () => {
  it('sets ESBUILD_BINARY_PATH for esbuild, and esbuild then transforms TypeScript with it', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(useUnpackedEsbuild(env, packaged)).toBe(unpackedBinary);
    expect(env.ESBUILD_BINARY_PATH).toBe(unpackedBinary);
    // esbuild reads the variable when it loads: a fresh process, as the app's backend is
    const script = "const r = require('esbuild').transformSync('const a: number = 1', { loader: 'ts' }); process.stdout.write(r.code)";
    const run = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, cwd: process.cwd() });
    expect(run.stderr).not.toMatch(/Ignoring bad configuration/);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('const a = 1;');
  });

  it('keeps a value the user set', () => {
    const env: NodeJS.ProcessEnv = { ESBUILD_BINARY_PATH: '/opt/esbuild' };
    expect(useUnpackedEsbuild(env, packaged)).toBeNull();
    expect(env.ESBUILD_BINARY_PATH).toBe('/opt/esbuild');
  });
});
