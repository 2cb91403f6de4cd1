/**
 * The backend as the desktop app runs it: the app's settings (environment plus settings.json
 * in its data folder), the console build and the scenario pack beside the bundle, and SQLite
 * through Node's built-in `node:sqlite`, which needs no native addon built for Electron's ABI
 * (Electron 41 embeds Node 24.14, NODE_MODULE_VERSION 145; the better-sqlite3 that `npm ci`
 * builds is for the Node that ran npm). `SQLITE_DRIVER=better-sqlite3` with
 * `SQLITE_NATIVE_BINDING=<an Electron build of better_sqlite3.node>` chooses the addon instead.
 *
 * Built into dist/main/desktop-backend.cjs (scripts/build-main.mjs), which the Electron main
 * process requires. The same file runs headless under any Node or Electron's own
 * (`ELECTRON_RUN_AS_NODE=1 electron dist/main/desktop-backend.cjs`): it prints one line with
 * its URL and stops on SIGINT/SIGTERM. The stand-in runtime test starts it that way under
 * Node 24.14 (test/system/desktop-runtime.test.ts). Imports no electron.
 */
// First: in the packaged app, esbuild (tsx, which loads TypeScript agent modules) must run from
// outside app.asar, headless too (idempotent after electron-main.ts did the same).
import './packaged-esbuild-setup.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBackend, type RunningBackend } from '../backend/index.ts';
import { electronBackendConfig, readElectronSettings } from './electron-settings.ts';

export interface DesktopBackendOptions {
  /** The app's data folder (Electron: `app.getPath('userData')`). */
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Where the bundle lives (default: this file's folder); the console and scenarios are found from it. */
  bundleDir?: string;
}

/** dist/main -> dist/renderer (the console) and scenarios/ (the built-in pack, read-only). */
export function desktopPaths(bundleDir: string): { consoleDir: string; scenarioDir: string } {
  return {
    consoleDir: path.resolve(bundleDir, '..', 'renderer'),
    scenarioDir: path.resolve(bundleDir, '..', '..', 'scenarios'),
  };
}

const here = path.dirname(fileURLToPath(import.meta.url));

/** Starts the desktop app's backend; throws one line (bad settings, a folder in use, no SQLite driver). */
export async function startDesktopBackend(options: DesktopBackendOptions): Promise<RunningBackend> {
  const env = options.env ?? process.env;
  const { consoleDir, scenarioDir } = desktopPaths(options.bundleDir ?? here);
  const settings = readElectronSettings(options.dataDir);
  const config = electronBackendConfig(env, settings, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    dataDir: options.dataDir,
    consoleDir,
    scenarioDir,
  });
  return startBackend({ ...config, sqliteDriver: config.sqliteDriver ?? 'node' });
}

/** Headless: `node dist/main/desktop-backend.cjs [--data-dir DIR]` (DATA_DIR, HOST, PORT from the environment). */
async function runHeadless(argv: string[]): Promise<void> {
  const flag = argv.indexOf('--data-dir');
  const dataDir = path.resolve(flag >= 0 && argv[flag + 1] ? argv[flag + 1]! : (process.env.DATA_DIR ?? path.join(process.cwd(), '.flowscope-desktop')));
  const port = process.env.PORT ? Number(process.env.PORT) : 0;
  let backend: RunningBackend;
  try {
    backend = await startDesktopBackend({ dataDir, port, ...(process.env.HOST ? { host: process.env.HOST } : {}) });
  } catch (err) {
    console.error(`Flowscope could not start its backend: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  const health = await backend.health();
  const runtime = process.versions.electron ? `Electron ${process.versions.electron}` : `Node ${process.versions.node}`;
  console.log(
    `Flowscope desktop backend on ${backend.url} (${runtime}, ABI ${process.versions.modules}, SQLite driver ${health.body.store_driver ?? health.body.store})`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    backend.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`Flowscope: close failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (entry === fileURLToPath(import.meta.url)) void runHeadless(process.argv.slice(2));
