/**
 * Electron entry point (dist/main/electron-main.cjs, bundled by scripts/build-main.mjs):
 * starts the embedded backend on a free port (desktop-backend.ts, kept as its own bundle
 * dist/main/desktop-backend.cjs so it can be started headless under another runtime), then
 * opens a hardened window on the console the backend serves (with its CSP).
 * The only module, with preload.ts, that loads electron at runtime.
 */
// First: esbuild reads ESBUILD_BINARY_PATH when the backend bundle loads it (packaged app).
import './packaged-esbuild-setup.ts';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningBackend } from '../backend/index.ts';
import { startDesktopBackend } from './desktop-backend.ts';
import type { ElectronMainModule, WebContentsLike } from './electron-types.ts';
import { createIpcGuard, registerIpcHandlers } from './ipc-guard.ts';
import { installQuitHandler } from './quit-handler.ts';
import { denyPermissions, installWebContentsGuard } from './security-policy.ts';
import { installUnloadGuard, LEAVE_DIALOG } from './unload-guard.ts';
import { createWindowOptions } from './window-options.ts';

const { app, BrowserWindow, ipcMain, dialog, shell, session } = createRequire(import.meta.url)('electron') as ElectronMainModule;

const here = path.dirname(fileURLToPath(import.meta.url));
const preloadPath = path.join(here, 'preload.cjs'); // bundled CommonJS, see preload.ts

let backend: RunningBackend | null = null;
/** The window's webContents once it exists: the only IPC sender answered. */
let windowContents: WebContentsLike | null = null;

// Every webContents, from the first (the window's) on: no new windows, no <webview>, and no
// navigation or redirect away from the backend's origin (none at all before it runs).
installWebContentsGuard(app, () => backend?.url ?? null);

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
  denyPermissions(session.defaultSession);
  const dataDir = app.getPath('userData');
  try {
    // Agents come from the environment (AGENTS, AGENT_URLS, LLM_MODEL...) and settings.json in dataDir.
    backend = await startDesktopBackend({ dataDir, env: process.env, bundleDir: here });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    dialog.showErrorBox('Flowscope could not start its backend', `${message}\n\nData directory: ${dataDir}`);
    app.quit();
    return;
  }
  const running = backend;
  // Answered only for the window's main frame on the backend's origin (not subframes, not before the window exists).
  const guard = createIpcGuard(running.url, () => windowContents);
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
  windowContents = win.webContents;
  installUnloadGuard(win.webContents, () => dialog.showMessageBoxSync(win, { ...LEAVE_DIALOG, buttons: [...LEAVE_DIALOG.buttons] }) === 0);
  win.once('ready-to-show', () => win.show());
  await win.loadURL(running.url);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  dialog.showErrorBox('Flowscope failed to start', message);
  app.quit();
});
