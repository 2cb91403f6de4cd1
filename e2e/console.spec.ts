import { expect, test } from '@playwright/test';
import { RUN_EVENT_TYPES } from '../protocol/index.ts';
import { addAndConnect, goldenPath, sendTemplate, SHOTS } from './console-actions.ts';

test('two users, live runs, errors, history', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('health-status')).toContainText('ok');

  await goldenPath(page);

  // alice's filter shows only alice's events
  await page.getByTestId('filter-user').selectOption('alice');
  const stream = page.getByTestId('event-stream');
  await expect(stream.locator('[data-testid="event-row"][data-user="alice"]').first()).toBeVisible();
  await expect(stream.locator('[data-testid="event-row"][data-user="bob"]')).toHaveCount(0);
  await page.getByTestId('filter-user').selectOption('');

  // composer shows the server's verdicts before sending
  await page.getByTestId('template-malformed-JSON').click();
  await expect(page.getByTestId('composer-validation')).toContainText('INVALID_JSON');
  await page.getByTestId('send-as').selectOption('alice');
  await page.getByTestId('send-button').click();
  await expect(stream.locator('[data-testid="event-row"][data-code="INVALID_JSON"]')).toHaveCount(1);

  await page.getByTestId('template-oversized').click();
  await expect(page.getByTestId('composer-validation')).toContainText('MESSAGE_TOO_LARGE');
  await expect(page.getByTestId('composer-bytes')).toHaveClass(/over/);
  await page.getByTestId('send-button').click();
  await expect(stream.locator('[data-testid="event-row"][data-code="MESSAGE_TOO_LARGE"]')).toHaveCount(1);
  await expect(stream).toContainText('MESSAGE_TOO_LARGE');
  await expect(stream).toContainText('INVALID_JSON');

  await page.screenshot({ path: `${SHOTS}/main-view.png` });

  // after a reload the users are remembered; alice's thread is in History
  await page.reload();
  await page.getByTestId('history-user').selectOption('alice');
  await page.getByTestId('history-load').click();
  const thread = page.getByTestId('history-thread');
  await expect(thread).toHaveCount(1);
  await thread.first().locator('.thread-line').click();
  await expect(page.getByTestId('history-message')).toContainText('what is 2 + 2?');
  await page.getByTestId('history-run').first().click();
  const lane = page.locator('[data-testid="run-lane"][data-user="alice"]');
  await expect(lane).toHaveAttribute('data-status', 'succeeded');
  await page.screenshot({ path: `${SHOTS}/history-view.png` });
});

test('event stream filters by run and by thread', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('health-status')).toContainText('ok');

  await addAndConnect(page, 'carol', 'socketio');
  await addAndConnect(page, 'dave', 'ws');
  // carol sends twice (two runs, two threads), so the run filter shows more than the user filter would
  await sendTemplate(page, 'user_message', 'carol');
  await sendTemplate(page, 'user_message', 'dave');
  await sendTemplate(page, 'user_message', 'carol');

  const lanes = page.getByTestId('run-lane');
  await expect(lanes).toHaveCount(3, { timeout: 20_000 });
  for (const lane of await lanes.all()) {
    await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  }
  const runIdsOf = (user: string) =>
    page.locator(`[data-testid="run-lane"][data-user="${user}"]`).evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id') ?? ''));
  const [carolSecond, carolFirst] = await runIdsOf('carol'); // lanes are newest first
  const [daveRun] = await runIdsOf('dave');
  expect(carolFirst && carolSecond && daveRun).toBeTruthy();

  const stream = page.getByTestId('event-stream');
  const rows = stream.getByTestId('event-row');
  const rowsOfRun = (runId: string) => stream.locator(`[data-testid="event-row"][data-run-id="${runId}"]`);
  const rowsNotOfRun = (runId: string) => stream.locator(`[data-testid="event-row"]:not([data-run-id="${runId}"])`);
  const runFilter = page.getByTestId('filter-run');

  // the run select: only carol's first run, its ack and all five events
  await runFilter.selectOption(carolFirst!);
  for (const type of ['message_ack', ...RUN_EVENT_TYPES]) {
    await expect(
      rowsOfRun(carolFirst!)
        .and(stream.locator(`[data-type="${type}"]`))
        .first(),
    ).toBeVisible();
  }
  await expect(rowsNotOfRun(carolFirst!)).toHaveCount(0);
  const shown = await rows.count();
  await expect(stream.locator('.count')).toContainText(`${shown}/`);
  const carolFirstThread = (await rowsOfRun(carolFirst!).first().getAttribute('data-thread-id')) ?? '';
  expect(carolFirstThread).toMatch(/^thr_/);

  // "show only this run" from a run lane: dave's run replaces the filter; the lane is marked
  const daveLane = page.locator(`[data-testid="run-lane"][data-run-id="${daveRun}"]`);
  await daveLane.getByTestId('lane-run-filter').click();
  await expect(runFilter).toHaveValue(daveRun!);
  await expect(daveLane).toHaveAttribute('data-focused', 'true');
  await expect(rowsOfRun(daveRun!).first()).toBeVisible();
  await expect(rowsNotOfRun(daveRun!)).toHaveCount(0);
  await expect(stream.locator('[data-testid="event-row"][data-user="carol"]')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/run-filter.png` });

  // the same lane again shows every run
  await daveLane.getByTestId('lane-run-filter').click();
  await expect(runFilter).toHaveValue('');
  await expect(daveLane).toHaveAttribute('data-focused', 'false');
  await expect(rowsOfRun(carolSecond!).first()).toBeVisible();

  // the run chip of an event row focuses that run
  await rowsOfRun(carolSecond!).first().getByTestId('event-run-filter').click();
  await expect(runFilter).toHaveValue(carolSecond!);
  await expect(rowsNotOfRun(carolSecond!)).toHaveCount(0);
  await expect(rowsOfRun(carolSecond!).first()).toBeVisible();

  // the thread select: carol's first thread holds only her first run
  await page.getByTestId('filter-reset').click();
  await expect(runFilter).toHaveValue('');
  await page.getByTestId('filter-thread').selectOption(carolFirstThread);
  await expect(rowsOfRun(carolFirst!).first()).toBeVisible();
  await expect(stream.locator(`[data-testid="event-row"]:not([data-thread-id="${carolFirstThread}"])`)).toHaveCount(0);
  await expect(rowsNotOfRun(carolFirst!)).toHaveCount(0);

  // reset: everything again, both users
  await page.getByTestId('filter-reset').click();
  await expect(page.getByTestId('filter-thread')).toHaveValue('');
  await expect(page.getByTestId('filter-reset')).toHaveCount(0);
  await expect(stream.locator('[data-testid="event-row"][data-user="dave"]').first()).toBeVisible();
  await expect(stream.locator('[data-testid="event-row"][data-user="carol"]').first()).toBeVisible();
});
