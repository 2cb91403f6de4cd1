/** Steps the Playwright specs share (the browser console and the Electron app): users, sends, the golden path. */
import { expect, type Page } from '@playwright/test';
import { GOLDEN_PATH_EVENTS } from '../protocol/index.ts';

export const SHOTS = 'test-results/screenshots';

/** Adds a user (token minted), connects it and waits until its connection is open. */
export async function addAndConnect(page: Page, userId: string, transport: 'socketio' | 'ws'): Promise<void> {
  await page.getByTestId('user-id-input').fill(userId);
  await page.getByTestId('new-user-transport').selectOption(transport);
  await page.getByTestId('add-user').click();
  const row = page.locator(`[data-testid="user-row"][data-user="${userId}"]`);
  await expect(row).toBeVisible();
  await row.getByTestId('connect-user').click();
  await expect(row.getByTestId('user-state')).toHaveText('open');
}

/** Sends a composer template as `userId`; the send is not refused. */
export async function sendTemplate(page: Page, template: string, userId: string): Promise<void> {
  await page.getByTestId(`template-${template}`).click();
  await page.getByTestId('send-as').selectOption(userId);
  await page.getByTestId('send-button').click();
  await expect(page.getByTestId('send-error')).toHaveCount(0);
}

/** Two users connected (Socket.IO and plain WebSocket), a message each, all five events in their lanes. */
export async function goldenPath(page: Page): Promise<void> {
  await addAndConnect(page, 'alice', 'socketio');
  await addAndConnect(page, 'bob', 'ws');
  await sendTemplate(page, 'user_message', 'alice');
  await sendTemplate(page, 'user_message', 'bob');
  for (const user of ['alice', 'bob']) {
    const lane = page.locator(`[data-testid="run-lane"][data-user="${user}"]`);
    await expect(lane).toHaveCount(1);
    await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
    for (const type of GOLDEN_PATH_EVENTS) {
      await expect(lane.getByTestId(`check-${type}`)).toHaveAttribute('data-ok', 'true');
    }
  }
}

/** Replaces the composer's text, as typing would. */
export async function setComposer(page: Page, text: string): Promise<void> {
  // near its top-left corner: a long text may put the middle of the content out of view
  await page
    .getByTestId('composer-editor')
    .locator('.cm-content')
    .click({ position: { x: 8, y: 8 } });
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

/** The composer's text as shown. */
export async function composerText(page: Page): Promise<string> {
  return page
    .getByTestId('composer-editor')
    .locator('.cm-content')
    .evaluate((el) => (el as HTMLElement).innerText);
}
