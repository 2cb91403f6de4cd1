// Finds (or installs) the Chromium the Playwright suite drives, says in one line what it
// uses, and records it for playwright.config.ts (`npm run e2e` runs this first). In order:
//   1. CHROMIUM_PATH, when set (an error when it names no executable);
//   2. an installed Chromium or Chrome (the usual paths, then PATH);
//   3. Playwright's own Chromium, already downloaded, else `playwright install chromium`
//      where its download host is reachable;
//   4. the system package manager where allowed: `apt-get install -y chromium` as root.
// When all fail: one line saying how to get one, and exit status 1.
// FLOWSCOPE_BROWSER_INSTALL=0 skips the installs (3's download and 4). Run with tsx.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Where the choice is recorded for playwright.config.ts (FLOWSCOPE_BROWSER_RECORD elsewhere, for tests). */
export const BROWSER_RECORD = process.env.FLOWSCOPE_BROWSER_RECORD || path.join(root, 'node_modules', '.cache', 'flowscope-e2e-browser.json');

export const SYSTEM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/opt/google/chrome/chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];
export const PATH_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome'];

export type BrowserChoice = { path: string; source: string; error?: undefined } | { error: string; path?: undefined; source?: undefined };

export function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(names: readonly string[], envPath: string | undefined): string | null {
  for (const dir of (envPath ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const file = path.join(dir, name);
      if (isExecutable(file)) return file;
    }
  }
  return null;
}

/** A browser that is already there, without installing anything; null when none. */
export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  candidates?: readonly string[];
  pathNames?: readonly string[];
  playwrightPath?: string | null;
}

export function findInstalledBrowser({
  env = process.env,
  candidates = SYSTEM_CANDIDATES,
  pathNames = PATH_NAMES,
  playwrightPath = playwrightChromiumPath(),
}: FindOptions = {}): BrowserChoice | null {
  if (env.CHROMIUM_PATH) {
    return isExecutable(env.CHROMIUM_PATH)
      ? { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' }
      : { error: `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file; point it at a Chromium or Chrome binary, or unset it.` };
  }
  const system = candidates.find((c) => isExecutable(c)) ?? onPath(pathNames, env.PATH);
  if (system) return { path: system, source: 'installed browser' };
  if (playwrightPath && isExecutable(playwrightPath)) return { path: playwrightPath, source: "Playwright's Chromium" };
  return null;
}

export function playwrightChromiumPath(): string | null {
  try {
    const require = createRequire(path.join(root, 'package.json'));
    return (require('playwright-core') as { chromium: { executablePath(): string } }).chromium.executablePath();
  } catch {
    return null;
  }
}

function attempt(cmd: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv): boolean {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, env });
  return r.status === 0;
}

/** Tries the installs in order; returns what it found, or null. */
export function installBrowser({
  env = process.env,
  log = () => undefined,
}: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): BrowserChoice | null {
  const playwrightCli = path.join(root, 'node_modules', '@playwright', 'test', 'cli.js');
  if (fs.existsSync(playwrightCli)) {
    log("no browser installed; trying Playwright's Chromium download");
    const ok = attempt(process.execPath, [playwrightCli, 'install', 'chromium'], 180_000, {
      ...env,
      PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT: env.PLAYWRIGHT_DOWNLOAD_CONNECTION_TIMEOUT ?? '15000',
    });
    const downloaded = playwrightChromiumPath();
    if (ok && downloaded && isExecutable(downloaded)) return { path: downloaded, source: "Playwright's Chromium (downloaded now)" };
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath(['apt-get'], env.PATH)) {
    log('trying the system package manager: apt-get install -y chromium');
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    const installed =
      attempt('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], 600_000, aptEnv) ||
      (attempt('apt-get', ['update'], 300_000, aptEnv) && attempt('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], 600_000, aptEnv));
    const found = installed ? findInstalledBrowser({ env: { ...env, CHROMIUM_PATH: '' }, playwrightPath: null }) : null;
    if (found?.path) return { path: found.path, source: 'installed now with apt-get (chromium)' };
  }
  return null;
}

export const HOW_TO_GET_ONE =
  'e2e: no Chromium or Chrome found and none could be installed: install one (Debian/Ubuntu: sudo apt-get install chromium; elsewhere: npx playwright install chromium) or set CHROMIUM_PATH to its binary.';

/** The whole decision, as `npm run e2e` makes it. Returns { path, source } or { error }. */
export function chooseBrowser({
  env = process.env,
  log = () => undefined,
  find = {},
}: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; find?: Omit<FindOptions, 'env'> } = {}): BrowserChoice {
  const found = findInstalledBrowser({ ...find, env });
  if (found) return found;
  if (env.FLOWSCOPE_BROWSER_INSTALL === '0') return { error: HOW_TO_GET_ONE };
  return installBrowser({ env, log }) ?? { error: HOW_TO_GET_ONE };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const choice = chooseBrowser({ log: (line) => console.log(`e2e: ${line}`) });
  if (choice.error !== undefined) {
    console.error(choice.error);
    process.exit(1);
  }
  fs.mkdirSync(path.dirname(BROWSER_RECORD), { recursive: true });
  fs.writeFileSync(BROWSER_RECORD, `${JSON.stringify({ path: choice.path, source: choice.source })}\n`);
  console.log(`e2e: using ${choice.source}: ${choice.path}`);
}

/** The browser recorded by the last run of this script, if it still exists. */
export function recordedBrowser(): string | null {
  try {
    const { path: file } = JSON.parse(fs.readFileSync(BROWSER_RECORD, 'utf8')) as { path?: unknown };
    return typeof file === 'string' && isExecutable(file) ? file : null;
  } catch {
    return null;
  }
}
