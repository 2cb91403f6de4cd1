/** Steps the Playwright specs share: driving the console's users panel. */
import { expect, type Page } from '@playwright/test';

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
