/**
 * What the two Electron projects share (playwright.config.ts): launching the app with a
 * fresh data folder, the golden path in its window, and its security settings checked
 * against the real Electron objects. `electron.spec.ts` launches the built app
 * (dist/main/electron-main.cjs) with the electron package's binary; `electron-packaged.spec.ts`
 * the unpacked package (`npm run dist:dir`). Needs a display (xvfb-run on a Linux CI).
 *
 * Where the app cannot be launched, the tests skip with the reason; with
 * FLOWSCOPE_E2E_REQUIRE_ELECTRON=1 (the GitHub electron job) the same reason fails them
 * instead, so a CI job cannot pass by skipping.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { goldenPath } from './console-actions.ts';

export { goldenPath };

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The first reason the suite cannot run here (null: it can), named for the skip or failure message. */
export function cannotRun(checks: Array<() => string | null>): string | null {
  for (const check of checks) {
    const reason = check();
    if (reason) return reason;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display: run the Electron projects under xvfb-run (xvfb-run --auto-servernum npx playwright test --project=electron)';
  }
  return null;
}

/** Skips the calling describe block with the reason, or (FLOWSCOPE_E2E_REQUIRE_ELECTRON=1) fails its tests with it. */
export function skipOrRequire(label: string, reason: string | null): void {
  const required = process.env.FLOWSCOPE_E2E_REQUIRE_ELECTRON === '1';
  test.skip(reason !== null && !required, reason ?? '');
  // The list reporter shows a skip without its reason: say it when the file loads.
  if (reason !== null && !required) console.log(`${label}: skipped: ${reason}`);
  if (reason !== null && required) {
    test.beforeEach(() => {
      throw new Error(`FLOWSCOPE_E2E_REQUIRE_ELECTRON=1 but the Electron suite cannot run: ${reason}`);
    });
  }
}

export interface LaunchedApp {
  app: ElectronApplication;
  page: Page;
  /** The backend's origin, as the window shows it. */
  origin: string;
  /** The app's output so far (attached to the test report). */
  output: () => string;
  close: () => Promise<void>;
}

/**
 * Launches the app with a data folder of its own (XDG_CONFIG_HOME: Electron's appData on
 * Linux, so userData is fresh) and waits until its window shows a healthy console.
 * `chromiumSandbox`: Chromium's own sandbox stays on unless FLOWSCOPE_E2E_NO_CHROMIUM_SANDBOX=1
 * (a machine without the SUID helper or unprivileged user namespaces; docs/desktop.md).
 */
export async function launchApp(testInfo: TestInfo, options: { executablePath?: string; args: string[] }): Promise<LaunchedApp> {
  const dataHome = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-electron-e2e-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  env.XDG_CONFIG_HOME = dataHome;
  const app = await electron.launch({
    ...(options.executablePath ? { executablePath: options.executablePath } : {}),
    args: options.args,
    cwd: root,
    env,
    chromiumSandbox: process.env.FLOWSCOPE_E2E_NO_CHROMIUM_SANDBOX !== '1',
    timeout: 60_000,
  });
  let output = '';
  app.process().stdout?.on('data', (d: Buffer) => (output += d.toString()));
  app.process().stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const close = async (): Promise<void> => {
    await app.close().catch(() => undefined);
    await testInfo.attach('electron-output.txt', { body: output || '(no output)', contentType: 'text/plain' });
    fs.rmSync(dataHome, { recursive: true, force: true });
  };
  try {
    const page = await app.firstWindow({ timeout: 60_000 });
    await page.waitForLoadState('domcontentloaded');
    await expect(page.getByTestId('health-status')).toContainText('ok', { timeout: 30_000 });
    const origin = new URL(page.url()).origin;
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    return { app, page, origin, output: () => output, close };
  } catch (err) {
    await close();
    throw err;
  }
}

interface WebPreferencesSeen {
  contextIsolation?: boolean;
  sandbox?: boolean;
  nodeIntegration?: boolean;
  webviewTag?: boolean;
}

/** The window's webPreferences and what the page can reach. */
export async function checkIsolation({ app, page }: LaunchedApp): Promise<void> {
  // getLastWebPreferences: what the renderer was created with; Electron has it at runtime
  // (its own tests use it) but leaves it out of electron.d.ts.
  const prefs = await app.evaluate(({ BrowserWindow }) => {
    const contents = BrowserWindow.getAllWindows()[0]?.webContents as unknown as { getLastWebPreferences(): WebPreferencesSeen | null } | undefined;
    const p = contents?.getLastWebPreferences();
    return { contextIsolation: p?.contextIsolation, sandbox: p?.sandbox, nodeIntegration: p?.nodeIntegration, webviewTag: p?.webviewTag };
  });
  expect(prefs).toEqual({ contextIsolation: true, sandbox: true, nodeIntegration: false, webviewTag: false });

  const reach = await page.evaluate(() => {
    const api = (window as unknown as { flowscope?: Record<string, unknown> }).flowscope;
    return {
      keys: api ? Object.keys(api).sort() : null,
      types: api ? Object.values(api).map((v) => typeof v) : null,
      hasIpcRenderer: api ? 'ipcRenderer' in api : null,
      globalIpcRenderer: 'ipcRenderer' in window,
      hasRequire: typeof (window as unknown as { require?: unknown }).require !== 'undefined',
      hasProcess: typeof (window as unknown as { process?: unknown }).process !== 'undefined',
    };
  });
  expect(reach).toEqual({
    keys: ['getAppVersion', 'getBackendInfo', 'openDataDir'],
    types: ['function', 'function', 'function'],
    hasIpcRenderer: false,
    globalIpcRenderer: false,
    hasRequire: false,
    hasProcess: false,
  });
  // the bridge works from the main frame
  const info = await page.evaluate(() =>
    (window as unknown as { flowscope: { getBackendInfo(): Promise<{ url: string; embedded: boolean }> } }).flowscope.getBackendInfo(),
  );
  expect(info.embedded).toBe(true);
  expect(new URL(info.url).origin).toBe(new URL(page.url()).origin);
}

/** The console document is served with its Content-Security-Policy. */
export async function checkCsp({ page }: LaunchedApp): Promise<void> {
  const response = await page.reload();
  await expect(page.getByTestId('health-status')).toContainText('ok', { timeout: 30_000 });
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
}

/** What the listeners below read of Electron's navigation event (a supertype of it). */
interface NavigationDetails {
  readonly url: string;
  readonly defaultPrevented: boolean;
}

interface NavigationRecord {
  name: string;
  url: string;
  prevented: boolean;
}

/** Navigation to another origin is refused (will-navigate prevented, the page stays); so is window.open. */
export async function checkNavigationAndWindows({ app, page, origin }: LaunchedApp): Promise<void> {
  // Record what the app's own guard decided: these listeners run after it, on the same event.
  await app.evaluate(({ BrowserWindow }) => {
    const records: NavigationRecord[] = [];
    (globalThis as unknown as { flowscopeNavigations: NavigationRecord[] }).flowscopeNavigations = records;
    const contents = BrowserWindow.getAllWindows()[0]!.webContents;
    contents.on('will-navigate', (details: NavigationDetails) =>
      records.push({ name: 'will-navigate', url: details.url, prevented: details.defaultPrevented }),
    );
    contents.on('will-frame-navigate', (details: NavigationDetails) =>
      records.push({ name: 'will-frame-navigate', url: details.url, prevented: details.defaultPrevented }),
    );
  });
  const elsewhere = 'http://127.0.0.1:9/elsewhere';
  await page.evaluate((target) => {
    window.location.href = target;
  }, elsewhere);
  const records = () => app.evaluate(() => (globalThis as unknown as { flowscopeNavigations: NavigationRecord[] }).flowscopeNavigations);
  await expect.poll(records, { timeout: 15_000 }).toContainEqual({ name: 'will-navigate', url: elsewhere, prevented: true });
  expect((await records()).filter((r) => r.url === elsewhere).every((r) => r.prevented)).toBe(true);
  expect(new URL(page.url()).origin).toBe(origin);
  await expect(page.getByTestId('health-status')).toContainText('ok');

  const opened = await page.evaluate(() => window.open('http://127.0.0.1:9/popup', '_blank') === null);
  expect(opened).toBe(true);
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  expect(app.windows()).toHaveLength(1);
}

/** Permission requests and checks both answer "denied". */
export async function checkPermissions({ page }: LaunchedApp): Promise<void> {
  const states = await page.evaluate(async () => ({
    request: await Notification.requestPermission(),
    check: (await navigator.permissions.query({ name: 'geolocation' })).state,
  }));
  expect(states).toEqual({ request: 'denied', check: 'denied' });
}

interface IpcOutcome {
  ok: boolean;
  value?: unknown;
  error?: string;
}

/**
 * IPC from a subframe is refused. A same-origin iframe gets no preload (so no bridge); and the
 * main process's own handler, called with the real WebFrameMain of that iframe as sender,
 * throws FORBIDDEN, while the window's main frame is answered. (The handler is taken from
 * ipcMain's handler map, Electron's `_invokeHandlers`: no public API calls a handler with a
 * chosen frame.)
 */
export async function checkIpcFromSubframe({ app, page, origin }: LaunchedApp): Promise<void> {
  await page.evaluate(
    (src) =>
      new Promise<void>((resolve, reject) => {
        const frame = document.createElement('iframe');
        frame.src = src;
        frame.dataset.testid = 'e2e-subframe';
        frame.onload = () => resolve();
        frame.onerror = () => reject(new Error(`iframe ${src} did not load`));
        document.body.appendChild(frame);
      }),
    `${origin}/health`,
  );
  const subframe = page.frames().find((f) => f !== page.mainFrame() && f.url().startsWith(`${origin}/health`));
  expect(subframe, 'the same-origin iframe').toBeDefined();
  expect(await subframe!.evaluate(() => 'flowscope' in window)).toBe(false);

  const outcome = await app.evaluate(async ({ app: electronApp, BrowserWindow, ipcMain }) => {
    const contents = BrowserWindow.getAllWindows()[0]!.webContents;
    const handlers = (ipcMain as unknown as { _invokeHandlers?: Map<string, (event: unknown) => unknown> })._invokeHandlers;
    const handler = handlers?.get('flowscope:get-app-version');
    if (!handler) return { missing: `no handler for flowscope:get-app-version in ipcMain._invokeHandlers (${handlers ? 'map present' : 'map absent'})` };
    const call = async (senderFrame: unknown): Promise<IpcOutcome> => {
      try {
        return { ok: true, value: await handler({ sender: contents, senderFrame }) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    };
    const top = contents.mainFrame;
    const sub = top.frames.find((f: { readonly url: string }) => f.url.endsWith('/health'));
    return {
      top: await call(top),
      sub: sub ? await call(sub) : { ok: false, error: 'no subframe' },
      subParentIsTop: sub?.parent?.frameTreeNodeId === top.frameTreeNodeId,
      version: electronApp.getVersion(),
    };
  });
  if ('missing' in outcome) throw new Error(`cannot reach the IPC handler: ${outcome.missing}`);
  expect(outcome.subParentIsTop).toBe(true);
  expect(outcome.top).toEqual({ ok: true, value: outcome.version });
  expect(outcome.sub.ok).toBe(false);
  expect(outcome.sub.error).toMatch(/^FORBIDDEN: flowscope:get-app-version refused: the sender is a subframe/);
}

/** Every security check of the window, in an order that leaves the page usable between them. */
export async function checkSecurity(launched: LaunchedApp): Promise<void> {
  await checkIsolation(launched);
  await checkCsp(launched);
  await checkPermissions(launched);
  await checkNavigationAndWindows(launched);
  await checkIpcFromSubframe(launched);
}
