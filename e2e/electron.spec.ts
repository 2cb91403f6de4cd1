/**
 * Electron shell: runs only where the optional `electron` package (and its binary) is
 * installed; elsewhere the suite is skipped with the reason. Needs `npm run build` first.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test } from '@playwright/test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function electronExecutable(): string | null {
  try {
    const require = createRequire(import.meta.url);
    require.resolve('electron');
    // The package's main export is the path of the downloaded binary; it throws when missing.
    const executable: unknown = require('electron');
    return typeof executable === 'string' ? executable : null;
  } catch {
    return null;
  }
}

const executablePath = electronExecutable();

test.describe('Electron shell', () => {
  test.skip(executablePath === null, 'Electron binary is not installed on this machine (optional dependency); the Electron suite runs where it is');

  test('window is isolated and sandboxed; window.flowscope exposes only the three operations', async () => {
    const app = await electron.launch({
      executablePath: executablePath ?? undefined,
      args: [path.join(root, 'dist/node/main/electron-main.js')],
      cwd: root,
    });
    try {
      const page = await app.firstWindow();
      await page.waitForLoadState('domcontentloaded');

      const prefs = await app.evaluate(({ BrowserWindow }) => {
        const win = BrowserWindow.getAllWindows()[0];
        const p = win?.webContents.getLastWebPreferences();
        return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration };
      });
      expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false });

      const bridge = await page.evaluate(() => {
        const api = (window as unknown as { flowscope?: Record<string, unknown> }).flowscope;
        return {
          keys: api ? Object.keys(api).sort() : null,
          types: api ? Object.values(api).map((v) => typeof v) : null,
          hasIpcRenderer: api ? 'ipcRenderer' in api : null,
          globalIpcRenderer: 'ipcRenderer' in window,
          hasRequire: typeof (window as unknown as { require?: unknown }).require !== 'undefined',
        };
      });
      expect(bridge).toEqual({
        keys: ['getAppVersion', 'getBackendInfo', 'openDataDir'],
        types: ['function', 'function', 'function'],
        hasIpcRenderer: false,
        globalIpcRenderer: false,
        hasRequire: false,
      });
    } finally {
      await app.close();
    }
  });
});
