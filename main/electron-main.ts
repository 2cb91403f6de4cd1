/**
 * Electron entry point (dist/node/main/electron-main.js): starts the embedded backend on a
 * free port, then opens a hardened window on the console the backend serves (with its CSP).
 * The only module, with preload.ts, that loads electron at runtime.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend, type RunningBackend } from '../backend/index.ts';
import type { ElectronMainModule } from './electron-types.ts';
import { electronBackendConfig, readElectronSettings } from './electron-settings.ts';
import { createIpcGuard, registerIpcHandlers } from './ipc-guard.ts';
import { installQuitHandler } from './quit-handler.ts';
import { applySecurityPolicy } from './security-policy.ts';
import { installUnloadGuard, LEAVE_DIALOG } from './unload-guard.ts';
import { createWindowOptions } from './window-options.ts';

const { app, BrowserWindow, ipcMain, dialog, shell, session } = createRequire(import.meta.url)('electron') as ElectronMainModule;

const here = path.dirname(fileURLToPath(import.meta.url));
// dist/node/main -> dist/renderer
const consoleDir = path.resolve(here, '..', '..', 'renderer');
// dist/node/main -> scenarios/ (the built-in pack, read-only)
const scenarioDir = path.resolve(here, '..', '..', '..', 'scenarios');
const preloadPath = path.join(here, 'preload.cjs'); // bundled CommonJS, see preload.ts

let backend: RunningBackend | null = null;

installQuitHandler(
  app,
  () => {
    const running = backend;
    return running ? () => running.close() : null;
  },
  (err) => console.error('Flowscope: backend close failed', err),
);
app.on('window-all-closed', () => app.quit());

async function main(): Promise<void> {
  await app.whenReady();
  const dataDir = app.getPath('userData');
  try {
    // Agents come from the environment (AGENTS, AGENT_URLS, LLM_MODEL...) and settings.json in dataDir.
    const config = electronBackendConfig(process.env, readElectronSettings(dataDir), { host: '127.0.0.1', port: 0, dataDir, consoleDir, scenarioDir });
    backend = await startBackend(config);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    dialog.showErrorBox('Flowscope could not start its backend', `${message}\n\nData directory: ${dataDir}`);
    app.quit();
    return;
  }
  const running = backend;
  const guard = createIpcGuard(running.url);
  registerIpcHandlers(
    ipcMain,
    {
      'flowscope:get-backend-info': () => ({ url: running.url, embedded: true, version: app.getVersion(), dataDir }),
      'flowscope:get-app-version': () => app.getVersion(),
      'flowscope:open-data-dir': async () => {
        const error = await shell.openPath(dataDir);
        if (error) throw new Error(error);
      },
    },
    guard,
  );
  const win = new BrowserWindow(createWindowOptions(preloadPath));
  applySecurityPolicy(win.webContents, session.defaultSession, running.url);
  installUnloadGuard(win.webContents, () => dialog.showMessageBoxSync(win, { ...LEAVE_DIALOG, buttons: [...LEAVE_DIALOG.buttons] }) === 0);
  win.once('ready-to-show', () => win.show());
  await win.loadURL(running.url);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  dialog.showErrorBox('Flowscope failed to start', message);
  app.quit();
});
