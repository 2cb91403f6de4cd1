// `npm run docs:screenshots`: the README's pictures of the console, taken from the real thing.
// Builds nothing: run `vite build` first (the served console is dist/renderer). Starts
// `flowscope serve` on a free port with a fresh data folder, drives the console in Chromium
// (the browser the e2e suite uses) as a user would: two users on the two transports, a run
// with tool calls each; then writes docs/console.png at 1440x900. Then records a session of the
// two (Record, a message each, Stop), saves it, replays it and writes docs/scenarios.png.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, expect, type Page } from '@playwright/test';
import { addAndConnect, setComposer } from '../e2e/console-actions.ts';
import { killAndWait, startServeProcess } from '../test/support/serve-process.ts';
import { findInstalledBrowser, recordedBrowser } from './find-browser.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const browserPath = process.env.CHROMIUM_PATH || recordedBrowser() || findInstalledBrowser()?.path;
if (!browserPath) {
  console.error('docs:screenshots: no Chromium found (set CHROMIUM_PATH, or run npm run e2e once)');
  process.exit(1);
}
if (!fs.existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
  console.error('docs:screenshots: no built console in dist/renderer: run `npx vite build` first');
  process.exit(1);
}

async function send(page: Page, userId: string, text: string): Promise<void> {
  await setComposer(page, text);
  await page.getByTestId('send-as').selectOption(userId);
  await page.getByTestId('send-button').click();
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-shots-'));
const server = await startServeProcess(['--data-dir', dataDir], {});
const browser = await chromium.launch({
  executablePath: browserPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
  await page.goto(server.url);
  await expect(page.getByTestId('health-status')).toContainText('ok');
  await addAndConnect(page, 'alice', 'socketio');
  await addAndConnect(page, 'bob', 'ws');
  await send(page, 'alice', JSON.stringify({ type: 'user_message', payload: { content: 'what is 12 * (3 + 4)?' } }, null, 2));
  await send(page, 'bob', JSON.stringify({ type: 'user_message', payload: { content: 'what time is it, and what is 2 + 2 * 3?' } }, null, 2));
  for (const user of ['alice', 'bob']) {
    await expect(page.locator(`[data-testid="run-lane"][data-user="${user}"]`).first()).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  }
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(root, 'docs', 'console.png') });
  console.log('docs:screenshots: wrote docs/console.png');

  // a recorded session, saved and replayed: the Scenarios view as docs/scenarios.md shows it
  await page.getByTestId('record-start').click();
  await expect(page.getByTestId('record-control')).toHaveAttribute('data-recording', 'true');
  await send(page, 'alice', JSON.stringify({ type: 'user_message', payload: { content: 'what is 2 + 2?' } }, null, 2));
  await expect(page.locator('[data-testid="run-lane"][data-user="alice"][data-status="succeeded"]')).toHaveCount(2, { timeout: 30_000 });
  await send(page, 'bob', JSON.stringify({ type: 'user_message', payload: { content: 'what time is it?' } }, null, 2));
  await expect(page.locator('[data-testid="run-lane"][data-user="bob"][data-status="succeeded"]')).toHaveCount(2, { timeout: 30_000 });
  await expect(page.getByTestId('record-counts')).toContainText('2 sent');
  await page.getByTestId('record-stop').click();
  await expect(page.getByTestId('scenario-origin')).toContainText('recorded · unsaved');
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as recorded-session-');
  await page.getByTestId('scenario-run').click();
  await expect(page.getByTestId('scenario-run-panel')).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(page.getByTestId('scenario-run-status')).toHaveText('passed');
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(root, 'docs', 'scenarios.png') });
  console.log('docs:screenshots: wrote docs/scenarios.png');
} finally {
  await browser.close();
  await killAndWait(server.child, 'SIGTERM');
  fs.rmSync(dataDir, { recursive: true, force: true });
}
