/**
 * Live views you can trust (issue 18): Cancel on a running run from its lane, its live event
 * row and the history; a running lane's checklist pending (not failed) and its duration
 * ticking; Live events following the newest event, "N new" when scrolled away; the history
 * following traffic sent by another client (the `client/` library, as a second program would)
 * and a backend restart (a real `flowscope serve`, e2e/backend-process.ts); the run menu's
 * export links. Run alone with E2E_PORT=8132.
 */
import { expect, test, type Page } from '@playwright/test';
import { connect, createRestClient, type FlowscopeConnection } from '../client/index.ts';
import { addAndConnect, SHOTS, setComposer } from './console-actions.ts';
import { BackendProcess } from './backend-process.ts';

/** A scripted run that waits `delayMs` in a tool: long enough to be cancelled. */
function longRun(content: string, delayMs = 30_000): string {
  return JSON.stringify({
    type: 'user_message',
    payload: { content, agent: 'scripted', script: [{ think: 'a while' }, { tool: 'wait', args: {}, result: {}, delay_ms: delayMs }, { respond: 'never' }] },
  });
}

/** A scripted run of `thoughts` think steps (that many events, quickly). */
function chattyRun(content: string, thoughts: number): string {
  const script = [...Array.from({ length: thoughts }, (_, i) => ({ think: `step ${i + 1}` })), { respond: 'done' }];
  return JSON.stringify({ type: 'user_message', payload: { content, agent: 'scripted', script } });
}

async function send(page: Page, userId: string, text: string): Promise<void> {
  await setComposer(page, text);
  await page.getByTestId('send-as').selectOption(userId);
  await page.getByTestId('send-button').click();
}

/** The newest running lane of a user, once its tool is executing; its run id. */
async function runningLane(page: Page, userId: string): Promise<string> {
  const lane = page.locator(`[data-testid="run-lane"][data-user="${userId}"][data-status="running"]`).first();
  await expect(lane.getByTestId('check-tool_executing')).toHaveAttribute('data-state', 'seen', { timeout: 20_000 });
  return (await lane.getAttribute('data-run-id'))!;
}

const laneOf = (page: Page, runId: string) => page.locator(`[data-testid="run-lane"][data-run-id="${runId}"]`);

/** A second program's connection for a user of `baseUrl` (the published client library). */
async function otherClient(baseUrl: string, userId: string): Promise<FlowscopeConnection> {
  const { token } = await createRestClient(baseUrl).mintToken(userId);
  const conn = connect({ url: baseUrl, token });
  await conn.ready;
  return conn;
}

test('Cancel a running run from its lane, its live row and the history; pending is not failure; the duration ticks', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'stopper', 'socketio');
  await expect(page.getByTestId('console-connected')).toHaveText(/^1\/\d+$/);

  // from the lane
  await send(page, 'stopper', longRun('cancel me from the lane'));
  const first = await runningLane(page, 'stopper');
  const lane = laneOf(page, first);
  // running: what has not come yet is pending (grey), not a red ✗
  await expect(lane.getByTestId('check-tool_completed')).toHaveAttribute('data-state', 'pending');
  await expect(lane.getByTestId('check-agent_completed')).toHaveAttribute('data-state', 'pending');
  await expect(lane.locator('.check-missing')).toHaveCount(0);
  await expect(page.getByTestId('console-running')).toHaveText('1');
  // its duration ticks while it runs
  const before = Number(await lane.getByTestId('lane-duration').getAttribute('data-ms'));
  await expect.poll(async () => Number(await lane.getByTestId('lane-duration').getAttribute('data-ms')), { timeout: 5000 }).toBeGreaterThan(before + 400);
  await page.screenshot({ path: `${SHOTS}/live-running-lane.png` });
  await lane.getByTestId('lane-cancel-run').click();
  await expect(lane).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  await expect(lane.getByTestId('lane-cancel-run')).toHaveCount(0);
  await expect(page.getByTestId('console-running')).toHaveText('0');
  // ended: nothing pending any more, nothing missing (the cancel closed its open tool call)
  await expect(lane.getByTestId('check-agent_completed')).toHaveAttribute('data-state', 'seen');
  await expect(lane.locator('.check-pending')).toHaveCount(0);
  await expect(lane.locator('.check-missing')).toHaveCount(0);

  // from its row in Live events
  await send(page, 'stopper', longRun('cancel me from the live row'));
  const second = await runningLane(page, 'stopper');
  // one Cancel per run in progress, on its newest row
  const runRows = page.locator(`[data-testid="event-row"][data-run-id="${second}"]`);
  await expect(runRows.getByTestId('event-cancel-run')).toHaveCount(1);
  await runRows.first().getByTestId('event-cancel-run').click();
  await expect(laneOf(page, second)).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  await expect(page.locator(`[data-testid="event-row"][data-run-id="${second}"][data-type="agent_completed"]`)).toContainText('cancelled');
  await expect(page.getByTestId('event-cancel-run')).toHaveCount(0);

  // from the history: the thread of the run, its message, Cancel
  await send(page, 'stopper', longRun('cancel me from the history'));
  const third = await runningLane(page, 'stopper');
  await page.getByTestId('history-user').selectOption('stopper');
  const thread = page.getByTestId('history-thread').filter({ hasText: 'cancel me from the history' });
  await thread.locator('.thread-line').click();
  const message = page.locator(`[data-testid="history-message"][data-run-id="${third}"]`);
  await expect(message.getByTestId('history-run')).toHaveAttribute('data-status', 'running');
  await message.getByTestId('history-cancel-run').click();
  await expect(laneOf(page, third)).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  // the history follows the run's end by itself
  await expect(message.getByTestId('history-run')).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  await expect(message.getByTestId('history-cancel-run')).toHaveCount(0);
});

test('one time base: the live delta and the lane gap of the same two events agree', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'timer', 'ws');
  await send(page, 'timer', longRun('timed', 300));
  const lane = page.locator('[data-testid="run-lane"][data-user="timer"]').first();
  await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  const runId = (await lane.getAttribute('data-run-id'))!;
  // tool_completed comes ~300 ms (server time) after tool_executing: the same number in both views
  const gapLabel = lane.locator('.marker.m-tool_completed .gap');
  const gap = Number(await gapLabel.getAttribute('data-ms'));
  const delta = await page.locator(`[data-testid="event-row"][data-run-id="${runId}"][data-type="tool_completed"]`).getByTestId('event-delta').textContent();
  // one format too: the lane's gap reads as the row's delta
  expect(delta).toBe(await gapLabel.textContent());
  expect(gap).toBeGreaterThanOrEqual(290);
});

test('Live events follow the newest event; scrolled away, "N new" counts what came and jumps back', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'follower', 'socketio');
  const list = page.getByTestId('event-list');
  await send(page, 'follower', chattyRun('fill the list', 60));
  await expect(page.locator('[data-testid="run-lane"][data-user="follower"]').first()).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  await expect(list).toHaveAttribute('data-following', 'true');
  await expect(page.getByTestId('events-new')).toHaveCount(0);

  // scrolled away: the row in view stays in view while new events arrive above it
  await list.evaluate((el) => (el.scrollTop = 400));
  await expect(list).toHaveAttribute('data-following', 'false');
  const topBefore = await list.evaluate((el) => el.scrollTop);
  await send(page, 'follower', chattyRun('more while away', 20));
  const newCount = page.getByTestId('events-new');
  // ack, started, 20 thoughts, completed (the sent message's pong-less path: 23 events)
  await expect(newCount).toHaveAttribute('data-count', '23', { timeout: 20_000 });
  await expect(newCount).toContainText('23 new');
  expect(await list.evaluate((el) => el.scrollTop)).toBeGreaterThan(topBefore);
  await page.screenshot({ path: `${SHOTS}/live-n-new.png` });

  // the jump back: the newest event on top, following again
  await newCount.click();
  await expect(newCount).toHaveCount(0);
  await expect(list).toHaveAttribute('data-following', 'true');
  expect(await list.evaluate((el) => el.scrollTop)).toBe(0);
  await expect(page.getByTestId('event-row').first()).toHaveAttribute('data-type', 'agent_completed');
});

test('the run menu links each export of the run', async ({ page, baseURL }) => {
  await page.goto('/');
  await addAndConnect(page, 'exporter', 'socketio');
  await send(page, 'exporter', longRun('export me', 10));
  const lane = page.locator('[data-testid="run-lane"][data-user="exporter"]').first();
  await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  const runId = (await lane.getAttribute('data-run-id'))!;
  await lane.getByTestId('run-menu').locator('summary').click();
  const otlp = lane.getByTestId('export-run-otlp');
  const agui = lane.getByTestId('export-run-ag-ui');
  await expect(otlp).toHaveText('Export as OTLP JSON');
  await expect(agui).toHaveText('Export as AG-UI events');
  const origin = new URL(baseURL!).origin;
  await expect(otlp).toHaveAttribute('href', `${origin}/api/runs/${runId}/export?format=otlp`);
  await expect(agui).toHaveAttribute('href', `${origin}/api/runs/${runId}/export?format=ag-ui`);
  // a click downloads it with the user's token
  for (const [link, format] of [
    [otlp, 'otlp'],
    [agui, 'ag-ui'],
  ] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toContain(format);
    const body = await (await download.createReadStream()).toArray();
    expect(Buffer.concat(body).toString()).toContain(runId);
  }
  await expect(lane.getByTestId('run-export-error')).toHaveCount(0);
});

test('History follows traffic sent by another client and a backend restart', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const backend = await BackendProcess.start({ ALLOWED_ORIGINS: origin });
  let other: FlowscopeConnection | null = null;
  try {
    await page.goto('/');
    await page.getByTestId('backend-url').fill(backend.url);
    await page.getByTestId('target-switch').click();
    await expect(page.getByTestId('health-status')).toHaveAttribute('data-target', backend.url);
    await addAndConnect(page, 'hana', 'socketio');
    await page.getByTestId('history-user').selectOption('hana');
    await expect(page.getByTestId('history-thread')).toHaveCount(0);

    // another program sends as hana: its thread shows without a click on Refresh
    other = await otherClient(backend.url, 'hana');
    other.send({ type: 'user_message', payload: { content: 'sent by another client' } });
    await expect(page.getByTestId('history-thread').filter({ hasText: 'sent by another client' })).toHaveCount(1, { timeout: 10_000 });
    other.close();

    // a restart: the console reconnects and its history shows what happened meanwhile
    await backend.stop();
    await backend.restart();
    other = await otherClient(backend.url, 'hana');
    other.send({ type: 'user_message', payload: { content: 'sent after the restart' } });
    await expect(page.locator('[data-testid="user-row"][data-user="hana"]').getByTestId('user-state')).toHaveText('open', { timeout: 20_000 });
    await expect(page.getByTestId('history-thread').filter({ hasText: 'sent after the restart' })).toHaveCount(1, { timeout: 15_000 });
    await expect(page.getByTestId('history-thread')).toHaveCount(2);
  } finally {
    other?.close();
    await backend.stop();
  }
});
