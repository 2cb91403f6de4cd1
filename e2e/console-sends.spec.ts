/**
 * Every send answered (issue 18): an oversized message's outcome (matched by the echoed id,
 * and by send order when its JSON cannot be read), a cancel_run's (sent with no ack expected,
 * then what became of the run), "keep id" without a message_id (the server's id shown); users
 * as a user adds them (a pasted token's `sub`, an existing id asks), the picker and the JSON in
 * step, a stale "not connected" cleared, nothing cut off; a page reload that brings back the
 * connections and the sent list; a reconnect as soon as a restarted backend answers /health.
 * Run with E2E_PORT=8231.
 */
import { expect, test, type Page } from '@playwright/test';
import { MAX_MESSAGE_BYTES } from '../protocol/index.ts';
import { addAndConnect, composerText, setComposer, SHOTS } from './console-actions.ts';
import { BackendProcess } from './backend-process.ts';

const row = (page: Page, userId: string) => page.locator(`[data-testid="user-row"][data-user="${userId}"]`);
const lines = (page: Page) => page.getByTestId('sent-line');
const newest = (page: Page) => lines(page).first().getByTestId('sent-outcome');

async function send(page: Page, userId: string) {
  await page.getByTestId('send-as').selectOption(userId);
  await page.getByTestId('send-button').click();
}

const longRun = (content: string) =>
  JSON.stringify({
    type: 'user_message',
    payload: { content, agent: 'scripted', script: [{ think: 'a while' }, { tool: 'wait', args: {}, result: {}, delay_ms: 20_000 }, { respond: 'never' }] },
  });

test('an oversized send ends in its outcome: by the echoed id, and by send order when its JSON cannot be read', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'olga', 'ws');

  // the oversized template: readable JSON with a message_id, echoed by the server
  await page.getByTestId('template-oversized').click();
  await send(page, 'olga');
  await expect(lines(page)).toHaveCount(1);
  const id = await lines(page).first().getAttribute('data-message-id');
  expect(id).toMatch(/^m_/);
  await expect(newest(page)).toHaveAttribute('data-kind', 'error');
  await expect(newest(page)).toHaveAttribute('data-code', 'MESSAGE_TOO_LARGE');
  await expect(newest(page)).toContainText(`limit is ${MAX_MESSAGE_BYTES} bytes`);
  const refusal = page.locator('[data-testid="event-row"][data-code="MESSAGE_TOO_LARGE"]');
  await refusal.click();
  await expect(refusal).toContainText(id!);

  // too large and not JSON: the error has no id; it answers the oldest send still waiting on that connection
  const cut = JSON.stringify({ type: 'ping', message_id: 'm_cut', pad: 'x'.repeat(MAX_MESSAGE_BYTES) }).slice(0, -2);
  await setComposer(page, cut);
  await send(page, 'olga');
  await expect(lines(page)).toHaveCount(2);
  await expect(newest(page)).toHaveAttribute('data-code', 'MESSAGE_TOO_LARGE');
  // and the next send gets its own answer
  await page.getByTestId('template-ping').click();
  await send(page, 'olga');
  await expect(newest(page)).toHaveAttribute('data-kind', 'pong');
  await expect(page.locator('[data-testid="sent-outcome"][data-kind="pending"]')).toHaveCount(0);

  // over the transports' 64 KiB frame limit: no error comes, the connection is closed instead;
  // the line says it was refused (not "no answer"), on both transports, and the user reconnects
  await addAndConnect(page, 'oscar', 'socketio');
  await setComposer(page, JSON.stringify({ type: 'user_message', message_id: 'm_huge', payload: { content: 'y'.repeat(100_000) } }));
  await expect(page.getByTestId('composer-frame-warning')).toContainText('closes the connection');
  for (const user of ['olga', 'oscar']) {
    await send(page, user);
    await expect(newest(page)).toHaveAttribute('data-code', 'MESSAGE_TOO_LARGE');
    await expect(newest(page)).toContainText("over the transports' frame limit");
    await expect(row(page, user).getByTestId('user-state')).toHaveText('open', { timeout: 10_000 });
  }
  await page.screenshot({ path: `${SHOTS}/sends-oversized.png` });
});

test('cancel_run: sent with no ack expected, then cancelled, already finished, or an unknown run', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'carl', 'socketio');

  // a running run, cancelled
  await setComposer(page, longRun('to cancel'));
  await send(page, 'carl');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const runId = await newest(page).getAttribute('data-run-id');
  const lane = page.locator(`[data-testid="run-lane"][data-run-id="${runId}"]`);
  await expect(lane.getByTestId('check-tool_executing')).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
  await page.getByTestId('template-cancel_run').click();
  expect(await composerText(page)).toContain(runId!);
  await send(page, 'carl');
  const cancel = newest(page);
  await expect(cancel).toHaveAttribute('data-kind', 'cancel');
  await expect(cancel).toContainText('sent, no ack expected');
  await expect(cancel).toHaveAttribute('data-result', 'cancelled', { timeout: 20_000 });
  await expect(cancel).toHaveAttribute('data-run-id', runId!);

  // a run that had finished before: said so, with how it ended
  await page.getByTestId('template-user_message').click();
  await send(page, 'carl');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const done = await newest(page).getAttribute('data-run-id');
  await expect(page.locator(`[data-testid="run-lane"][data-run-id="${done}"]`)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });
  await setComposer(page, JSON.stringify({ type: 'cancel_run', payload: { run_id: done } }));
  await send(page, 'carl');
  await expect(newest(page)).toHaveAttribute('data-kind', 'cancel');
  await expect(newest(page)).toHaveAttribute('data-result', 'finished');
  await expect(newest(page)).toContainText('had already finished (succeeded)');

  // a run nobody has: the server's NOT_FOUND
  await setComposer(page, JSON.stringify({ type: 'cancel_run', payload: { run_id: 'run_nobody_has' } }));
  await send(page, 'carl');
  await expect(newest(page)).toHaveAttribute('data-kind', 'error');
  await expect(newest(page)).toHaveAttribute('data-code', 'NOT_FOUND');

  // the same, sent as written without a message_id ("keep id"): its NOT_FOUND still ends the line
  await page.getByTestId('keep-id').check();
  await setComposer(page, JSON.stringify({ type: 'cancel_run', payload: { run_id: 'run_nobody_has' } }));
  await send(page, 'carl');
  await expect(lines(page).first()).not.toHaveAttribute('data-message-id');
  await expect(newest(page)).toHaveAttribute('data-code', 'NOT_FOUND');
  await expect(newest(page)).toContainText('run_nobody_has');
  await page.getByTestId('keep-id').uncheck();
  await page.screenshot({ path: `${SHOTS}/sends-cancel.png` });
});

test("cancel_run names the sender's own run; another user's run is flagged before it is sent", async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'owen', 'ws');
  await addAndConnect(page, 'opal', 'socketio');
  await page.getByTestId('template-user_message').click();
  await send(page, 'owen');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const owens = await newest(page).getAttribute('data-run-id');
  await page.getByTestId('template-user_message').click();
  await send(page, 'opal');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const opals = await newest(page).getAttribute('data-run-id');
  await expect(page.locator(`[data-testid="run-lane"][data-run-id="${opals}"]`)).toHaveAttribute('data-status', 'succeeded', { timeout: 30_000 });

  // the template, as owen: owen's run, though opal's is newer
  await page.getByTestId('send-as').selectOption('owen');
  await page.getByTestId('template-cancel_run').click();
  expect(await composerText(page)).toContain(owens!);
  await expect(page.getByTestId('composer-run-warning')).toHaveCount(0);
  // opal's run, as owen: flagged, and the server's answer is the one foretold
  await setComposer(page, JSON.stringify({ type: 'cancel_run', payload: { run_id: opals } }));
  await expect(page.getByTestId('composer-run-warning')).toContainText("this run is opal's");
  await send(page, 'owen');
  await expect(newest(page)).toHaveAttribute('data-code', 'NOT_FOUND');
  // as opal: no warning, and the cancel follows the run (it had finished)
  await page.getByTestId('send-as').selectOption('opal');
  await expect(page.getByTestId('composer-run-warning')).toHaveCount(0);
  await send(page, 'opal');
  await expect(newest(page)).toHaveAttribute('data-result', 'finished');
});

test('keep id without a message_id: acked with the server id, shown on the line', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'kim', 'ws');
  await page.getByTestId('keep-id').check();
  await setComposer(page, JSON.stringify({ type: 'user_message', payload: { content: 'no id of my own' } }));
  await send(page, 'kim');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  await expect(lines(page).first()).not.toHaveAttribute('data-message-id');
  await expect(newest(page).getByTestId('sent-server-id')).toHaveText(/\S+/);
  // a ping without an id: its pong, too
  await setComposer(page, '{"type":"ping"}');
  await send(page, 'kim');
  await expect(newest(page)).toHaveAttribute('data-kind', 'pong');
});

test('a reload brings back the connected users and the sent list', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'rita', 'socketio');
  await addAndConnect(page, 'rolf', 'ws');
  await page.getByTestId('user-id-input').fill('resting');
  await page.getByTestId('add-user').click();
  await expect(row(page, 'resting')).toHaveAttribute('data-state', 'idle');
  await page.getByTestId('template-ping').click();
  await send(page, 'rita');
  await expect(newest(page)).toHaveAttribute('data-kind', 'pong');
  await page.getByTestId('template-user_message').click();
  await send(page, 'rolf');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const before = await lines(page).evaluateAll((els) =>
    els.map((el) => [el.getAttribute('data-message-id'), el.querySelector('[data-testid="sent-outcome"]')!.getAttribute('data-kind')]),
  );

  await page.reload();
  await expect(row(page, 'rita').getByTestId('user-state')).toHaveText('open');
  await expect(row(page, 'rolf').getByTestId('user-state')).toHaveText('open');
  await expect(row(page, 'rolf').getByTestId('user-where')).toContainText('WebSocket');
  await expect(row(page, 'resting')).toHaveAttribute('data-state', 'idle');
  await expect(lines(page)).toHaveCount(2);
  const after = await lines(page).evaluateAll((els) =>
    els.map((el) => [el.getAttribute('data-message-id'), el.querySelector('[data-testid="sent-outcome"]')!.getAttribute('data-kind')]),
  );
  expect(after).toEqual(before);

  // a reload while a run is going: the run is resumed from its start, its lane whole
  await setComposer(
    page,
    JSON.stringify({
      type: 'user_message',
      payload: {
        content: 'across a reload',
        agent: 'scripted',
        script: [{ think: 'slowly' }, { tool: 'wait', args: {}, result: {}, delay_ms: 4000 }, { respond: 'still here' }],
      },
    }),
  );
  await send(page, 'rolf');
  await expect(newest(page)).toHaveAttribute('data-kind', 'acked');
  const going = await newest(page).getAttribute('data-run-id');
  await expect(page.locator(`[data-testid="run-lane"][data-run-id="${going}"]`).getByTestId('check-tool_executing')).toHaveAttribute('data-ok', 'true', {
    timeout: 10_000,
  });
  await page.reload();
  await expect(row(page, 'rolf').getByTestId('user-resumed')).toHaveText('resumed 1 run');
  const lane = page.locator(`[data-testid="run-lane"][data-run-id="${going}"]`);
  await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  for (const type of ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'])
    await expect(lane.getByTestId(`check-${type}`)).toHaveAttribute('data-ok', 'true');
  await expect(lines(page)).toHaveCount(3);

  // a user disconnected before a reload stays disconnected
  await row(page, 'rolf').getByTestId('disconnect-user').click();
  await page.reload();
  await expect(row(page, 'rita').getByTestId('user-state')).toHaveText('open');
  await expect(row(page, 'rolf')).toHaveAttribute('data-state', 'idle');
  // and the list goes on from there
  await page.getByTestId('template-ping').click();
  await send(page, 'rita');
  await expect(lines(page)).toHaveCount(4);
  await expect(newest(page)).toHaveAttribute('data-kind', 'pong');
});

test('a restarted backend: users reconnect as soon as its /health answers, not after their backoff', async ({ page }) => {
  const backend = await BackendProcess.start();
  try {
    // the console of that backend itself (same origin), so its /health is probed as the page would
    await page.goto(backend.url);
    await addAndConnect(page, 'ruth', 'socketio');
    await addAndConnect(page, 'reed', 'ws');
    await backend.stop('SIGKILL');
    for (const user of ['ruth', 'reed']) await expect(row(page, user)).toHaveAttribute('data-state', 'reconnecting');
    // down long enough that the connection backoff has grown past several seconds
    await page.waitForTimeout(6000);
    await backend.restart();
    const answered = Date.now();
    // restart() returned once /health answered: the probe (every 250 ms at most) and the connect follow
    for (const user of ['ruth', 'reed']) await expect(row(page, user).getByTestId('user-state')).toHaveText('open', { timeout: 2500 });
    console.log(`both users open ${Date.now() - answered} ms after /health answered again`);
    await page.getByTestId('template-ping').click();
    await send(page, 'ruth');
    await expect(newest(page)).toHaveAttribute('data-kind', 'pong');
  } finally {
    await backend.stop();
  }
});

test('a stale "not connected" clears once that user is connected again', async ({ page }) => {
  const backend = await BackendProcess.start();
  try {
    await page.goto(backend.url);
    await addAndConnect(page, 'nell', 'ws');
    await backend.stop('SIGKILL');
    await expect(row(page, 'nell')).toHaveAttribute('data-state', 'reconnecting');
    await page.getByTestId('template-ping').click();
    await send(page, 'nell');
    await expect(page.getByTestId('send-error')).toContainText('nell is not connected');
    await backend.restart();
    await expect(row(page, 'nell').getByTestId('user-state')).toHaveText('open', { timeout: 5000 });
    // the stale "not connected" is gone once nell is back
    await expect(page.getByTestId('send-error')).toHaveCount(0);
  } finally {
    await backend.stop();
  }
});

test('users: a pasted token without a user id takes its sub; an existing id asks first', async ({ page, request }) => {
  const mint = async (userId: string, ttlS: number) =>
    ((await (await request.post('/api/dev/token', { data: { user_id: userId, ttl_s: ttlS } })).json()) as { token: string }).token;
  await page.goto('/');
  const pasted = await mint('sasha', 3600);
  await page.getByTestId('user-token-input').fill(pasted);
  await expect(page.getByTestId('user-id-input')).toHaveAttribute('placeholder', /sasha, from the token/);
  await page.getByTestId('add-user').click();
  await expect(row(page, 'sasha')).toBeVisible();
  await expect(row(page, 'sasha').getByTestId('token-subject')).toHaveText('sasha');
  await row(page, 'sasha').getByTestId('connect-user').click();
  await expect(row(page, 'sasha').getByTestId('user-state')).toHaveText('open');

  // the same id again, with a longer-lived token: asked; "Keep as is" keeps the old token
  const longer = await mint('sasha', 7200);
  await page.getByTestId('user-token-input').fill(longer);
  await page.getByTestId('add-user').click();
  const ask = page.getByTestId('user-exists');
  await expect(ask).toContainText('sasha is already here');
  await page.getByTestId('user-exists-cancel').click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('user-row')).toHaveCount(1);
  await expect(row(page, 'sasha').getByTestId('token-expiry')).toContainText(/expires in (59m|1h 00m)/);

  // asked again, replaced: one row, the new token, connected again with it
  await page.getByTestId('add-user').click();
  await page.getByTestId('user-exists-replace').click();
  await expect(ask).toHaveCount(0);
  await expect(page.getByTestId('user-row')).toHaveCount(1);
  await expect(row(page, 'sasha').getByTestId('token-expiry')).toContainText(/expires in (1h 59m|2h 00m)/);
  await expect(row(page, 'sasha').getByTestId('user-state')).toHaveText('open');

  // a token that names nobody and no id: said so
  await page.getByTestId('user-token-input').fill('not-a-jwt');
  await page.getByTestId('add-user').click();
  await expect(page.getByTestId('users-error')).toContainText('type the user id');
});

test('the agent picker and payload.agent follow each other; the footer, errors and the transport select keep their shape', async ({ page, request }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await addAndConnect(page, 'pia', 'socketio');
  const select = page.getByTestId('agent-select');
  await expect(select).toBeEnabled();

  // picker -> JSON
  await page.getByTestId('template-user_message').click();
  await select.selectOption('scripted');
  expect(JSON.parse(await composerText(page)).payload.agent).toBe('scripted');
  await select.selectOption('');
  expect(JSON.parse(await composerText(page)).payload.agent).toBeUndefined();
  // JSON -> picker
  await setComposer(page, JSON.stringify({ type: 'user_message', payload: { content: 'hi', agent: 'assistant' } }));
  await expect(select).toHaveValue('assistant');
  await setComposer(page, JSON.stringify({ type: 'user_message', payload: { content: 'hi' } }));
  await expect(select).toHaveValue('');
  // Send stays on the row of the "as" select
  const asSelect = await page.getByTestId('send-as').boundingBox();
  const sendButton = await page.getByTestId('send-button').boundingBox();
  expect(Math.abs(asSelect!.y + asSelect!.height / 2 - (sendButton!.y + sendButton!.height / 2))).toBeLessThan(4);

  // a long validation message wraps: all of it stays readable
  await setComposer(page, JSON.stringify({ type: 'user_message', message_id: 42, priority: 'urgent', payload: { content: 7, agent: 'x'.repeat(70) } }));
  const validation = page.getByTestId('composer-validation');
  await expect(validation).toContainText('VALIDATION_FAILED');
  expect(await validation.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  const foot = await page.locator('.composer-foot').boundingBox();
  const button = await page.getByTestId('send-button').boundingBox();
  expect(button!.x + button!.width).toBeLessThanOrEqual(foot!.x + foot!.width + 1);
  // on a row of its own, not a narrow column beside the controls
  const message = await validation.boundingBox();
  expect(message!.width).toBeGreaterThan(foot!.width * 0.8);
  expect(message!.y + message!.height).toBeLessThanOrEqual(button!.y + 1);
  // and so does a long error on a sent line
  await send(page, 'pia');
  await expect(newest(page)).toHaveAttribute('data-code', 'VALIDATION_FAILED');
  expect(await newest(page).evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);

  // the transport select is as wide in a refused row as in an open one
  const expired = ((await (await request.post('/api/dev/token', { data: { user_id: 'pete', ttl_s: -120 } })).json()) as { token: string }).token;
  await page.getByTestId('user-id-input').fill('pete');
  await page.getByTestId('user-token-input').fill(expired);
  await page.getByTestId('add-user').click();
  await row(page, 'pete').getByTestId('connect-user').click();
  await expect(row(page, 'pete')).toHaveAttribute('data-state', 'refused');
  await expect(row(page, 'pete').getByTestId('remint-user')).toBeVisible();
  const open = await row(page, 'pia').getByTestId('user-transport').boundingBox();
  const refused = await row(page, 'pete').getByTestId('user-transport').boundingBox();
  expect(refused!.width).toBeCloseTo(open!.width, 0);
  await page.screenshot({ path: `${SHOTS}/sends-shape.png` });
});
