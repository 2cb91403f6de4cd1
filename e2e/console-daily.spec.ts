/**
 * The console as a daily driver (issue 13): honest sends (a fresh id per Send, the pinned-id
 * duplicate, an outcome per sent line, INVALID_JSON marked, a foreign user_id flagged,
 * Ctrl/Cmd+Enter, saved messages per target), targets as environments (per-target users, a
 * switch that asks and reconnects, CORS explained), automatic reconnect after a backend
 * restart with resume, re-mint, stage latencies, copy, export, Clear, the cap, the theme, the
 * history thread, the split bundle without source maps. Extra backends are real `flowscope
 * serve` processes (e2e/backend-process.ts).
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { addAndConnect, SHOTS } from './console-actions.ts';
import { BackendProcess } from './backend-process.ts';

const row = (page: Page, userId: string) => page.locator(`[data-testid="user-row"][data-user="${userId}"]`);
const sentLines = (page: Page) => page.getByTestId('sent-line');

/** Replaces the composer's text, as typing would. */
async function setComposer(page: Page, text: string) {
  await page.getByTestId('composer-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

async function composerText(page: Page): Promise<string> {
  return page
    .getByTestId('composer-editor')
    .locator('.cm-content')
    .evaluate((el) => (el as HTMLElement).innerText);
}

/** Switches the target; confirms the question when users are connected. */
async function switchTarget(page: Page, url: string, expectQuestion: boolean) {
  await page.getByTestId('backend-url').fill(url);
  await page.getByTestId('target-switch').click();
  if (expectQuestion) {
    await expect(page.getByTestId('target-switch-dialog')).toBeVisible();
    await page.getByTestId('target-switch-confirm').click();
  }
  await expect(page.getByTestId('target-switch-dialog')).toHaveCount(0);
  await expect(page.getByTestId('health-status')).toHaveAttribute('data-target', url);
}

test('sending: a fresh id per Send, the pinned-id duplicate, outcomes, INVALID_JSON marked, foreign user_id, Ctrl+Enter, saved messages', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'sendy', 'socketio');

  // two Sends of the same text: two messages, two runs
  await page.getByTestId('template-user_message').click();
  await page.getByTestId('send-button').click();
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toHaveAttribute('data-kind', 'acked');
  await page.getByTestId('send-button').click();
  await expect(sentLines(page)).toHaveCount(2);
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toHaveAttribute('data-kind', 'acked');
  const [second, first] = await sentLines(page).evaluateAll((els) => els.map((el) => el.getAttribute('data-message-id')));
  expect(second).not.toBe(first);
  const runs = await page.getByTestId('sent-outcome').evaluateAll((els) => els.map((el) => el.getAttribute('data-run-id')));
  expect(runs[0]).not.toBe(runs[1]);
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toContainText('queue');

  // "keep id": the same message_id again is a duplicate of the run it started
  await page.getByTestId('keep-id').check();
  await page.getByTestId('send-button').click();
  const dup = sentLines(page).first().getByTestId('sent-outcome');
  await expect(dup).toHaveAttribute('data-kind', 'duplicate');
  await expect(dup).toHaveAttribute('data-run-id', runs[0]!);
  await expect(dup).toContainText('duplicate of run');
  await page.getByTestId('keep-id').uncheck();

  // INVALID_JSON: marked where the parser stopped (the end of the text), the error in full
  await page.getByTestId('template-malformed-JSON').click();
  const broken = await composerText(page);
  await expect(page.getByTestId('composer-editor')).toHaveAttribute('data-error-at', String(broken.length));
  await expect(page.getByTestId('composer-editor').locator('.cm-lintRange-error')).toHaveCount(1);
  await page.getByTestId('send-button').click();
  const bad = sentLines(page).first().getByTestId('sent-outcome');
  await expect(bad).toHaveAttribute('data-code', 'INVALID_JSON');
  await expect(bad).toContainText('Message is not valid JSON');
  // wrapped, never cut: the whole message is in view
  expect(await bad.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);

  // a user_id that is not the sender's: warned before, FORBIDDEN after
  await setComposer(page, JSON.stringify({ type: 'user_message', user_id: 'mallory', payload: { content: 'hi' } }));
  await expect(page.getByTestId('composer-user-warning')).toContainText('"mallory" is not sendy');
  // Ctrl/Cmd+Enter sends (from the editor)
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(sentLines(page)).toHaveCount(5);
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toHaveAttribute('data-code', 'FORBIDDEN');
  // the id was added (fresh), so the error is matched by id
  expect(await composerText(page)).toContain('"message_id"');

  // saved messages: save, load back
  await page.getByTestId('template-ping').click();
  await page.getByTestId('saved-name').fill('my ping');
  await page.getByTestId('saved-save').click();
  await expect(page.locator('[data-testid="saved-message"][data-name="my ping"]')).toBeVisible();
  await page.getByTestId('template-user_message').click();
  await page.locator('[data-testid="saved-message"][data-name="my ping"]').getByTestId('saved-load').click();
  expect(await composerText(page)).toContain('"ping"');
  await page.getByTestId('send-button').click();
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toHaveAttribute('data-kind', 'pong');
  await page.screenshot({ path: `${SHOTS}/sending.png` });
});

test('targets are environments: per-target users and saved messages, a switch asks and reconnects, CORS explained', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const other = await BackendProcess.start({ ALLOWED_ORIGINS: origin });
  const strict = await BackendProcess.start();
  try {
    await page.goto('/');
    await addAndConnect(page, 'tara', 'socketio');
    await expect(row(page, 'tara').getByTestId('user-where')).toContainText(new URL(origin).host);
    await page.getByTestId('template-ping').click();
    await page.getByTestId('saved-name').fill('home ping');
    await page.getByTestId('saved-save').click();

    // to the other target: asked first (tara is connected); its own (empty) users and saved messages
    await switchTarget(page, other.url, true);
    await expect(page.getByTestId('health-status')).toContainText('ok');
    await expect(page.getByTestId('user-row')).toHaveCount(0);
    await expect(page.getByTestId('saved-message')).toHaveCount(0);
    await addAndConnect(page, 'otto', 'ws');
    await expect(row(page, 'otto').getByTestId('user-where')).toContainText(`127.0.0.1:${other.port}`);

    // back: otto is disconnected, tara comes back connected to the first target
    await switchTarget(page, origin, true);
    await expect(row(page, 'otto')).toHaveCount(0);
    await expect(row(page, 'tara').getByTestId('user-state')).toHaveText('open');
    await expect(row(page, 'tara').getByTestId('user-where')).toContainText(new URL(origin).host);
    await expect(page.locator('[data-testid="saved-message"][data-name="home ping"]')).toBeVisible();

    // "Stay" keeps everything as it is
    await page.getByTestId('backend-url').fill(other.url);
    await page.getByTestId('target-switch').click();
    await page.getByTestId('target-switch-cancel').click();
    await expect(page.getByTestId('health-status')).toHaveAttribute('data-target', origin);
    await expect(row(page, 'tara').getByTestId('user-state')).toHaveText('open');

    // a target whose CORS policy does not allow this console: said so, with the fix
    await switchTarget(page, strict.url, true);
    const cors = page.getByTestId('cors-explanation');
    await expect(cors).toBeVisible();
    await expect(cors).toContainText(`ALLOWED_ORIGINS=${origin}`);
    await expect(cors).toContainText('CORS');
    await expect(page.getByTestId('health-status')).toContainText('blocked');
    await page.screenshot({ path: `${SHOTS}/cors.png` });

    // the other target again: otto reconnects on his own
    await switchTarget(page, other.url, false);
    await expect(row(page, 'otto').getByTestId('user-state')).toHaveText('open');
  } finally {
    await other.stop();
    await strict.stop();
  }
});

test('a backend restart: automatic reconnect with a countdown, Reconnect now, runs in progress resumed', async ({ page, baseURL }) => {
  const origin = new URL(baseURL!).origin;
  const backend = await BackendProcess.start({ ALLOWED_ORIGINS: origin });
  try {
    await page.goto('/');
    await switchTarget(page, backend.url, false);
    await addAndConnect(page, 'rhea', 'socketio');
    await addAndConnect(page, 'remy', 'ws');

    // a long run of rhea's is under way when the backend dies
    await setComposer(
      page,
      JSON.stringify({
        type: 'user_message',
        payload: {
          content: 'long',
          agent: 'scripted',
          script: [{ think: 'a while' }, { tool: 'wait', args: {}, result: {}, delay_ms: 20_000 }, { respond: 'never' }],
        },
      }),
    );
    await page.getByTestId('send-as').selectOption('rhea');
    await page.getByTestId('send-button').click();
    const lane = page.locator('[data-testid="run-lane"][data-user="rhea"]');
    await expect(lane.getByTestId('check-tool_executing')).toHaveAttribute('data-ok', 'true', { timeout: 20_000 });
    await expect(lane).toHaveAttribute('data-status', 'running');

    await backend.stop('SIGKILL');
    // both users say they are reconnecting, and when
    for (const user of ['rhea', 'remy']) {
      await expect(row(page, user)).toHaveAttribute('data-state', 'reconnecting');
      await expect(row(page, user).getByTestId('reconnect-now')).toBeVisible();
    }
    await expect(row(page, 'remy').getByTestId('user-state')).toHaveText(/reconnecting in \d+s|reconnecting…/);
    await page.screenshot({ path: `${SHOTS}/reconnecting.png` });

    await backend.restart();
    // Reconnect now, without waiting for the backoff. The console also probes /health and
    // reconnects within a second of it answering, so remy may already be back: then there is
    // no button left to click, and either way remy ends open.
    await row(page, 'remy')
      .getByTestId('reconnect-now')
      .click({ timeout: 1_000 })
      .catch(() => undefined);
    await expect(row(page, 'remy').getByTestId('user-state')).toHaveText('open');
    // rhea comes back on her own and resumes the run: its end (interrupted by the crash) arrives
    await expect(row(page, 'rhea').getByTestId('user-state')).toHaveText('open', { timeout: 40_000 });
    await expect(row(page, 'rhea').getByTestId('user-resumed')).toContainText('resumed 1 run');
    await expect(lane).toHaveAttribute('data-status', 'interrupted', { timeout: 20_000 });
    await expect(lane.getByTestId('check-agent_completed')).toHaveAttribute('data-ok', 'true');
  } finally {
    await backend.stop();
  }
});

test('a refused token: decoded in place, one-click re-mint', async ({ page, request }) => {
  const expired = (await (await request.post('/api/dev/token', { data: { user_id: 'remi', ttl_s: -120 } })).json()) as { token: string };
  await page.goto('/');
  await page.getByTestId('user-id-input').fill('remi');
  await page.getByTestId('user-token-input').fill(expired.token);
  await page.getByTestId('add-user').click();
  const r = row(page, 'remi');
  await expect(r.getByTestId('token-subject')).toHaveText('remi');
  await expect(r.getByTestId('token-expiry')).toContainText(/expired \dm \d\ds ago/);
  await r.getByTestId('connect-user').click();
  await expect(r).toHaveAttribute('data-state', 'refused');
  await expect(r.getByTestId('user-refusal')).toContainText('AUTH_EXPIRED');
  // the row keeps its buttons in view however long the state
  const box = await r.boundingBox();
  const button = await r.getByTestId('remint-user').boundingBox();
  expect(button!.x + button!.width).toBeLessThanOrEqual(box!.x + box!.width + 1);
  await r.getByTestId('remint-user').click();
  await expect(r.getByTestId('user-state')).toHaveText('open');
  await expect(r.getByTestId('token-expiry')).toContainText(/expires in (59m|1h)/);
  await expect(r.getByTestId('user-refusal')).toHaveCount(0);
});

test('seeing time: ms and deltas, stage latencies; rows expand on a click; copy; export; Clear keeps timelines; the cap', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.goto('/');
  await addAndConnect(page, 'tim', 'ws');
  await page.getByTestId('template-scripted-run').click();
  await page.getByTestId('send-button').click();
  const lane = page.locator('[data-testid="run-lane"][data-user="tim"]');
  await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  await expect(lane.getByTestId('stage-queue')).toContainText(/\d+ ms/);
  await expect(lane.getByTestId('stage-first-thinking')).toContainText(/\d+ ms/);
  await expect(lane.locator('[data-testid="stage-tool"][data-tool="lookup"]')).toContainText(/lookup \d+ ms/);
  await expect(lane.getByTestId('stage-total')).toContainText(/\d+ ms/);

  const stream = page.getByTestId('event-stream');
  const completed = stream.locator('[data-testid="event-row"][data-type="agent_completed"]');
  await expect(completed.getByTestId('event-time')).toHaveText(/^\d\d:\d\d:\d\d\.\d{3}$/);
  await expect(completed.getByTestId('event-delta')).toHaveText(/^\+\d+ ms$/);

  // a click on the run chip keeps its action (no expansion); a click anywhere else expands
  const runId = (await completed.getAttribute('data-run-id'))!;
  await completed.getByTestId('event-run-filter').click();
  await expect(page.getByTestId('filter-run')).toHaveValue(runId);
  await expect(completed).toHaveAttribute('data-expanded', 'false');
  await completed.locator('.summary').click();
  await expect(completed).toHaveAttribute('data-expanded', 'true');
  await completed.getByTestId('copy-event-json').click();
  const copied = JSON.parse(await page.evaluate(() => navigator.clipboard.readText())) as { type: string; run_id: string };
  expect(copied).toMatchObject({ type: 'agent_completed', run_id: runId });
  await completed.getByTestId('copy-run-id').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(runId);
  await page.locator('[data-testid="user-row"][data-user="tim"]').getByTestId('copy-token').click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/^ey[\w-]+\.[\w-]+\.[\w-]+$/);
  await page.getByTestId('filter-reset').click();

  // export: JSON lines and HAR
  const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-jsonl').click()]);
  const lines = fs
    .readFileSync((await jsonl.path())!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { direction: string; envelope?: { type: string } });
  expect(lines.some((l) => l.direction === 'sent')).toBe(true);
  expect(lines.filter((l) => l.envelope?.type === 'agent_completed')).toHaveLength(1);
  const [har] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-har').click()]);
  const harJson = JSON.parse(fs.readFileSync((await har.path())!, 'utf8')) as { log: { entries: Array<{ _webSocketMessages?: unknown[] }> } };
  expect(harJson.log.entries).toHaveLength(1);
  expect(harJson.log.entries[0]!._webSocketMessages!.length).toBeGreaterThan(6);

  // Clear empties the live list, never the timeline
  await page.getByTestId('events-clear').click();
  await expect(stream.getByTestId('event-row')).toHaveCount(0);
  await expect(lane).toHaveCount(1);

  // the cap: older events are dropped from view, and counted
  await page.getByTestId('event-cap').fill('100');
  await page.getByTestId('event-cap').press('Enter');
  const script = [...Array.from({ length: 99 }, (_, i) => ({ think: `t${i}` })), { respond: 'done' }];
  await setComposer(page, JSON.stringify({ type: 'user_message', payload: { content: 'many', agent: 'scripted', script } }));
  await page.getByTestId('send-button').click();
  await expect(page.getByTestId('run-lane')).toHaveCount(2);
  await expect(page.locator('[data-testid="run-lane"]').first()).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  await expect(page.getByTestId('events-dropped')).toContainText(/\d+ dropped/);
  expect(Number(await page.getByTestId('events-dropped').getAttribute('data-dropped'))).toBeGreaterThan(0);
  await expect(stream.locator('.count').first()).toHaveText('100/100');
});

test('history: loads once a user is chosen, shows the whole thread, opens a run as JSON', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'hana', 'socketio');
  await page.getByTestId('template-user_message').click();
  await page.getByTestId('send-button').click();
  await expect(page.locator('[data-testid="run-lane"][data-user="hana"]')).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  await page.reload();
  // no click on Refresh: the first user's threads are there
  const thread = page.getByTestId('history-thread');
  await expect(thread).toHaveCount(1);
  await thread.locator('.thread-line').click();
  const message = page.getByTestId('history-message');
  await expect(message).toContainText('what is 2 + 2?');
  await expect(message.getByTestId('history-answer')).toContainText('4');
  await message.getByTestId('history-run-json').click();
  const json = page.getByTestId('history-run-json-view');
  await expect(json).toContainText('"agent_started"');
  await expect(json).toContainText('"agent_completed"');
});

test('the light theme follows the system setting', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(238, 241, 245)');
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor)).toBe('rgb(11, 15, 20)');
});

test('the bundle is split (the editors load when needed) and no source map is served', async ({ page, request }) => {
  const scripts: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
  });
  await page.goto('/');
  await expect(page.getByTestId('composer-editor')).toBeVisible();
  expect(scripts.length).toBeGreaterThan(1);
  const before = scripts.length;
  await page.getByTestId('tab-scenarios').click();
  await expect(page.getByTestId('scenarios-view')).toBeVisible();
  expect(scripts.length).toBeGreaterThan(before);
  for (const s of scripts) {
    const js = await (await request.get(s)).text();
    expect(js).not.toContain('sourceMappingURL');
    // an unknown path gets the page (the console's router), never a map
    const map = await request.get(`${s}.map`);
    expect(map.headers()['content-type']).not.toContain('json');
    expect(await map.text()).not.toContain('"mappings"');
  }
});

test('the comparison at 1440 px: both sides readable, and it says the scenario text differed', async ({ page }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  await page.getByTestId('scenario-new').click();
  const editor = page.getByTestId('scenario-editor').locator('.cm-content');
  const write = async (text: string) => {
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.insertText(text);
  };
  const text = (content: string) =>
    `flowscope: 1\nname: compare text ${Date.now()}\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - send: { as: a, message: { type: user_message, payload: { content: "${content}" } } }\n  - wait: { user: a, match: { type: agent_completed } }\n`;
  await write(text('what is 2 + 2?'));
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as');
  const run = async () => {
    await page.getByTestId('scenario-run').click();
    await expect(page.getByTestId('scenario-run-panel')).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  };
  await run();
  await expect(page.getByTestId('result-item')).toHaveCount(1);
  // edit the text (a second line of content), save, run again
  const current = await editor.evaluate((el) => (el as HTMLElement).innerText);
  await write(current.replace('what is 2 + 2?', 'what is 3 + 3?'));
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as');
  await run();
  await expect(page.getByTestId('result-item')).toHaveCount(2);
  for (const pick of await page.getByTestId('result-pick').all()) await pick.check();
  await page.getByTestId('results-compare').click();
  const comparison = page.getByTestId('comparison');
  await expect(comparison.getByTestId('comparison-text-note')).toHaveAttribute('data-differed', 'true');
  await expect(comparison.getByTestId('comparison-text-note')).toContainText('differed between A and B');
  // wide enough for two sides: nothing clipped sideways
  const box = await comparison.boundingBox();
  expect(box!.width).toBeGreaterThan(900);
  const table = comparison.locator('.compare-table.events').first();
  expect(await table.evaluate((el) => el.scrollWidth <= (el.parentElement as HTMLElement).clientWidth + 1)).toBe(true);
  await page.screenshot({ path: `${SHOTS}/comparison-1440.png` });
});

test('the agent picker: agents and tools from GET /api/agents, the user_message template names the picked agent', async ({ page }) => {
  await page.goto('/');
  await addAndConnect(page, 'agnes', 'socketio');
  const select = page.getByTestId('agent-select');
  await expect(select).toBeEnabled();
  const names = await select.locator('option').evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value).filter((v) => v !== ''));
  expect(names.length).toBeGreaterThan(0);
  const picked = names.find((n) => n !== 'scripted') ?? names[0]!;
  await select.selectOption(picked);
  await expect(page.getByTestId('agent-description')).not.toBeEmpty();
  const tools = page.getByTestId('agent-tools');
  await tools.locator('summary').click();
  const tool = tools.getByTestId('agent-tool').first();
  await expect(tool).toBeVisible();
  await expect(tool.locator('.schema')).toContainText('"type"');
  await page.getByTestId('template-user_message').click();
  expect(await composerText(page)).toContain(`"agent": "${picked}"`);
  await page.getByTestId('send-button').click();
  await expect(sentLines(page).first().getByTestId('sent-outcome')).toHaveAttribute('data-kind', 'acked');
  const started = page.locator('[data-testid="event-row"][data-type="agent_started"][data-user="agnes"]');
  await expect(started.locator('.summary')).toContainText(`${picked} ·`, { timeout: 20_000 });
});
