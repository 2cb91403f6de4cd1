/**
 * The packaged app, unpacked (`npm run dist:dir`: out/linux-unpacked/flowscope, the
 * executable electron-builder names after package.json's name): its fuses as
 * electron-builder.yml sets them, the golden path and the security settings. Skipped with
 * the reason where that folder is absent. See electron-app.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { expect, test } from '@playwright/test';
import { cannotRun, checkSecurity, goldenPath, launchApp, root, skipOrRequire } from './electron-app.ts';

// electron-builder: out/linux-unpacked on x64, out/linux-<arch>-unpacked elsewhere.
const unpackedDir = path.join(root, 'out', process.arch === 'x64' ? 'linux-unpacked' : `linux-${process.arch}-unpacked`);
const executable = path.join(unpackedDir, 'flowscope');

// A fuse's state byte in the binary (@electron/fuses' FuseState, not exported from its index): ASCII '1' / '0'.
const ENABLE = 0x31;
const DISABLE = 0x30;

const notPackaged = (): string | null =>
  process.platform !== 'linux'
    ? 'the packaged-app project runs on Linux (electron-builder --linux)'
    : fs.existsSync(executable)
      ? null
      : `${path.relative(root, executable)} is missing: run npm run dist:dir (or npm run dist) first`;

test.describe('Electron app (packaged, unpacked)', () => {
  skipOrRequire('Electron app (packaged)', cannotRun([notPackaged]));

  test('fuses are set as electron-builder.yml says', async () => {
    const wire = await getCurrentFuseWire(executable);
    const state = (fuse: FuseV1Options) => (wire as Partial<Record<FuseV1Options, number>>)[fuse];
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      nodeCliInspect: state(FuseV1Options.EnableNodeCliInspectArguments),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      v8Snapshot: state(FuseV1Options.LoadBrowserProcessSpecificV8Snapshot),
      fileProtocol: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: ENABLE,
      nodeCliInspect: ENABLE,
      nodeOptions: DISABLE,
      asarIntegrity: ENABLE,
      onlyAsar: ENABLE,
      cookieEncryption: ENABLE,
      v8Snapshot: DISABLE,
      fileProtocol: DISABLE,
    });
  });

  test('ELECTRON_RUN_AS_NODE works and NODE_OPTIONS is ignored', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-fuse-'));
    const injected = path.join(dir, 'injected.cjs');
    fs.writeFileSync(injected, "process.stdout.write('INJECTED ');\n");
    try {
      const run = spawnSync(executable, ['-e', 'process.stdout.write(`node ${process.versions.node} electron ${process.versions.electron}`)'], {
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: `--require=${injected}` },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^node \d+\.\d+\.\d+ electron \d+\.\d+\.\d+$/);
      expect(run.stdout).not.toContain('INJECTED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('two users run the golden path in the window', async () => {
    const launched = await launchApp(test.info(), { executablePath: executable, args: [] });
    try {
      await goldenPath(launched.page);
    } finally {
      await launched.close();
    }
  });

  test('the packaged window keeps every security setting', async () => {
    const launched = await launchApp(test.info(), { executablePath: executable, args: [] });
    try {
      await checkSecurity(launched);
    } finally {
      await launched.close();
    }
  });
});
