/**
 * The built desktop app (`npm run build`: dist/main/electron-main.cjs) launched with the
 * electron package's binary: the golden path in its window and its security settings.
 * Skipped with the reason where it cannot run (no electron binary: it is an optional
 * dependency whose download needs GitHub; no display; not built). See electron-app.ts.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from '@playwright/test';
import { cannotRun, checkSecurity, goldenPath, launchApp, root, skipOrRequire } from './electron-app.ts';

const builtMain = path.join(root, 'dist', 'main', 'electron-main.cjs');

function electronBinaryMissing(): string | null {
  try {
    // The package's main export is the path of the downloaded binary; it throws when that is missing.
    const executable: unknown = createRequire(import.meta.url)('electron');
    return typeof executable === 'string' && fs.existsSync(executable) ? null : 'the electron package has no binary';
  } catch {
    return 'Electron binary is not installed on this machine (optional dependency, downloaded from GitHub by npm ci); the Electron suite runs where it is';
  }
}

const notBuilt = (): string | null => (fs.existsSync(builtMain) ? null : `${path.relative(root, builtMain)} is missing: run npm run build first`);

test.describe('Electron app (built)', () => {
  skipOrRequire('Electron app (built)', cannotRun([electronBinaryMissing, notBuilt]));

  test('two users run the golden path in the window', async () => {
    const launched = await launchApp(test.info(), { args: [builtMain] });
    try {
      await goldenPath(launched.page);
    } finally {
      await launched.close();
    }
  });

  test('context isolation, sandbox, CSP, permissions, navigation, new windows and IPC from a subframe', async () => {
    const launched = await launchApp(test.info(), { args: [builtMain] });
    try {
      await checkSecurity(launched);
    } finally {
      await launched.close();
    }
  });
});
