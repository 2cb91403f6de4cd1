/**
 * Golden trace snapshots in the console: a saved scenario with expect_snapshot writes its
 * snapshot on the first run; after the agent's behaviour changes the run fails and the
 * snapshot step shows expected against received side by side; Accept writes the new snapshot
 * through the REST API and the next run is green.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';

const RUN_TIMEOUT = 30_000;

const flow = (name: string, value: number) => `flowscope: 1
name: ${name}
users:
  a: {}
steps:
  - connect: a
  - send:
      as: a
      message:
        type: user_message
        payload:
          content: look up order 7
          agent: scripted
          script:
            - { think: "looking it up" }
            - { tool: lookup_order, args: { id: 7 }, result: { total: ${value} } }
            - { respond: "order 7 totals ${value}" }
      save_as: r1
  - expect_snapshot: { user: a, run: "{{r1.run_id}}", name: order }
`;

async function replaceText(page: Page, text: string) {
  await page.getByTestId('scenario-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
}

async function run(page: Page, status: 'passed' | 'failed') {
  await page.getByTestId('scenario-run').click();
  await expect(page.getByTestId('scenario-run-panel')).toHaveAttribute('data-state', 'done', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('scenario-run-status')).toHaveText(status);
}

test('a changed trace shows as a side-by-side diff; Accept writes the snapshot and the run is green', async ({ page }) => {
  const name = `Snapshot review ${Date.now()}`;
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  await page.getByTestId('scenario-new').click();
  await replaceText(page, flow(name, 40));
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as');
  const id = (await page.getByTestId('scenario-editor-panel').getAttribute('data-id')) ?? '';
  expect(id).not.toBe('');

  // first run: the snapshot is written (nothing to review)
  await run(page, 'passed');
  await expect(page.getByTestId('snapshot-diff-panel')).toHaveCount(0);
  const file = path.join(process.env.FLOWSCOPE_E2E_DATA_DIR ?? '', 'scenarios', '__snapshots__', `${id}.order.json`);
  expect(fs.readFileSync(file, 'utf8')).toContain('"result":{"total":40}');

  // the agent now answers differently: the snapshot step fails with the diff
  await replaceText(page, flow(name, 41));
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-dirty', 'false');
  await run(page, 'failed');
  const diff = page.getByTestId('snapshot-diff');
  await expect(diff).toHaveAttribute('data-outcome', 'mismatch');
  await expect(diff.getByTestId('snapshot-first-difference')).toContainText('events[3].payload.result.total');
  await expect(diff.getByTestId('snapshot-first-difference')).toContainText('expected 40, received 41');
  await diff.getByTestId('snapshot-show-diff').click();
  const dialog = page.getByTestId('snapshot-diff-dialog');
  const changed = dialog.locator('[data-testid="snapshot-diff-row"][data-change="changed"]');
  await expect(changed.first().getByTestId('snapshot-expected-line')).toContainText('"total":40');
  await expect(changed.first().getByTestId('snapshot-received-line')).toContainText('"total":41');
  await expect(dialog.locator('[data-testid="snapshot-diff-row"][data-change="same"]').first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/snapshot-diff.png' });

  await dialog.getByTestId('snapshot-accept').click();
  await expect(dialog.getByTestId('snapshot-accepted')).toContainText(`__snapshots__/${id}.order.json`);
  await dialog.getByTestId('snapshot-diff-close').click();
  await expect(diff.getByTestId('snapshot-accepted')).toBeVisible();
  expect(fs.readFileSync(file, 'utf8')).toContain('"result":{"total":41}');

  await run(page, 'passed');
  await expect(page.getByTestId('snapshot-diff-panel')).toHaveCount(0);
});

test('a built-in scenario cannot accept a snapshot through the API', async ({ request }) => {
  const res = await request.put('/api/scenarios/golden%2Fping-pong/snapshots/x', { data: { text: '{"flowscope_snapshot":1,"events":[]}' } });
  expect(res.status()).toBe(403);
  expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
    code: 'FORBIDDEN',
    message: expect.stringContaining('read-only'),
  });
});
