import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { findInstalledBrowser, recordedBrowser } from './scripts/find-browser.ts';

// A fresh data directory per run, so each run starts with an empty store. The config is
// evaluated again in the worker, where the webServer is not started: only make it once.
// E2E_PORT lets two checkouts run the suite at once.
const port = Number(process.env.E2E_PORT ?? 8123);
const dataDir = process.env.FLOWSCOPE_E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-e2e-'));
process.env.FLOWSCOPE_E2E_DATA_DIR = dataDir;
// The browser `npm run e2e` chose (scripts/find-browser.ts, which says which in one line);
// run directly, `playwright test` looks for an installed one the same way.
const chromium = process.env.CHROMIUM_PATH || recordedBrowser() || findInstalledBrowser()?.path || '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  retries: 0,
  workers: 1,
  reporter: 'list',
  timeout: 60_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1600, height: 950 },
  },
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron(-packaged)?\.spec\.ts/,
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromium,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
    {
      // The built desktop app (dist/main/electron-main.cjs, `npm run build`) with the electron
      // package's binary; skipped with the reason where that binary, the build or a display is
      // absent (FLOWSCOPE_E2E_REQUIRE_ELECTRON=1 fails instead). Run it under xvfb-run on Linux.
      name: 'electron',
      testMatch: /electron\.spec\.ts/,
      timeout: 180_000,
    },
    {
      // The unpacked package (`npm run dist:dir`: out/linux-unpacked/flowscope), same rules.
      name: 'electron-packaged',
      testMatch: /electron-packaged\.spec\.ts/,
      timeout: 180_000,
    },
  ],
  webServer: {
    command: `node bin/flowscope.js serve --port ${port} --data-dir ${JSON.stringify(dataDir)}`,
    url: `http://127.0.0.1:${port}/health`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
