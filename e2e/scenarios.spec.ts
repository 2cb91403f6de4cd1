/**
 * The Scenarios view in the served console: record a live two-user session into a scenario,
 * save and replay it, run a built-in scenario, validate as you type, compare two results,
 * move a recording through a HAR file (download, then upload), keep each scenario's undo
 * history its own, ask before unsaved changes are discarded, and show a failure at 1280×720.
 */
import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { GOLDEN_PATH_EVENTS } from '../protocol/index.ts';
import { addAndConnect, SHOTS } from './console-actions.ts';

const RUN_TIMEOUT = 30_000;

async function sendAndFinish(page: Page, userId: string) {
  await page.getByTestId('template-user_message').click();
  await page.getByTestId('send-as').selectOption(userId);
  await page.getByTestId('send-button').click();
  await expect(page.getByTestId('send-error')).toHaveCount(0);
  const lane = page.locator(`[data-testid="run-lane"][data-user="${userId}"]`);
  await expect(lane).toHaveAttribute('data-status', 'succeeded', { timeout: 20_000 });
  for (const type of GOLDEN_PATH_EVENTS) await expect(lane.getByTestId(`check-${type}`)).toHaveAttribute('data-ok', 'true');
}

/** Runs the open scenario and expects every step to pass. */
async function runAndPass(page: Page) {
  await page.getByTestId('scenario-run').click();
  const panel = page.getByTestId('scenario-run-panel');
  await expect(panel).toHaveAttribute('data-state', 'done', { timeout: RUN_TIMEOUT });
  await expect(page.getByTestId('scenario-run-status')).toHaveText('passed');
  const steps = panel.getByTestId('scenario-step');
  expect(await steps.count()).toBeGreaterThan(0);
  await expect(panel.locator('[data-testid="scenario-step"]:not([data-status="passed"])')).toHaveCount(0);
  await expect(page.getByTestId('scenario-run-counts')).toContainText('0 failed · 0 skipped');
}

/** Replaces the whole editor text, as typing would. */
async function replaceText(page: Page, text: string) {
  await page.getByTestId('scenario-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

const item = (page: Page, id: string) => page.locator(`[data-testid="scenario-item"][data-id="${id}"]`);

/** Opens a library scenario that has no unsaved changes open (no question asked). */
async function openItem(page: Page, id: string) {
  await item(page, id).click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', id);
  await expect(page.getByTestId('discard-dialog')).toHaveCount(0);
}

/** New, the given text, Save: the saved scenario's id. */
async function saveNew(page: Page, text: string): Promise<string> {
  await page.getByTestId('scenario-new').click();
  await replaceText(page, text);
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as');
  const id = (await page.getByTestId('scenario-editor-panel').getAttribute('data-id')) ?? '';
  expect(id).not.toBe('');
  await expect(page.getByTestId('scenario-origin')).toContainText('saved');
  return id;
}

const scenarioText = (name: string) => `flowscope: 1\nname: ${name}\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - sleep: 1\n`;

async function record(page: Page, users: Array<[string, 'socketio' | 'ws']>) {
  await page.goto('/');
  await expect(page.getByTestId('health-status')).toContainText('ok');
  for (const [user, transport] of users) await addAndConnect(page, user, transport);
  await page.getByTestId('record-start').click();
  await expect(page.getByTestId('record-control')).toHaveAttribute('data-recording', 'true');
  for (const [user] of users) await sendAndFinish(page, user);
  await expect(page.getByTestId('record-counts')).toContainText(`${users.length} sent`);
  await page.getByTestId('record-stop').click();
  await expect(page.getByTestId('scenarios-view')).toBeVisible();
  await expect(page.getByTestId('scenario-origin')).toContainText('recorded · unsaved');
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
}

test('record a two-user session, save it, replay it: every step passes; compare two replays', async ({ page }) => {
  await record(page, [
    ['rec-alice', 'socketio'],
    ['rec-bob', 'ws'],
  ]);

  // the generated scenario: both users, one send and one expect_run each, in the editor
  const editor = page.getByTestId('scenario-editor');
  await expect(page.getByTestId('scenario-title')).toContainText('Recorded session');
  await expect(page.getByTestId('scenario-validation')).toContainText('2 users');
  await expect(editor).toContainText('flowscope: 1');
  await expect(editor).toContainText('rec-alice:');
  await expect(editor).toContainText('rec-bob:');
  await expect(editor).toContainText('transport: ws');
  await page.screenshot({ path: `${SHOTS}/scenario-recorded.png` });

  // save: a saved scenario in the library, selected
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-notice')).toContainText('Saved as recorded-session-');
  const panel = page.getByTestId('scenario-editor-panel');
  const id = (await panel.getAttribute('data-id')) ?? '';
  expect(id).toMatch(/^recorded-session-/);
  await expect(page.getByTestId('scenario-origin')).toContainText('saved');
  const item = page.locator(`[data-testid="scenario-item"][data-id="${id}"]`);
  await expect(item).toHaveAttribute('data-source', 'saved');
  await expect(item).toHaveAttribute('data-valid', 'true');
  await expect(item).toHaveClass(/open/);

  // replay: every step passes, both runs on the timeline with all five events
  await runAndPass(page);
  const lanes = page.getByTestId('scenario-caused').getByTestId('run-lane');
  await expect(lanes).toHaveCount(2);
  for (const user of ['rec-alice', 'rec-bob']) {
    const lane = page.getByTestId('scenario-caused').locator(`[data-testid="run-lane"][data-user="${user}"]`);
    await expect(lane).toHaveAttribute('data-status', 'succeeded');
    for (const type of GOLDEN_PATH_EVENTS) await expect(lane.getByTestId(`check-${type}`)).toHaveAttribute('data-ok', 'true');
  }
  // and a user sees them: the first lane shows whole (the lanes' box once collapsed to its
  // padding, every lane clipped away, while their DOM was all there)
  await expect(lanes.first()).toBeInViewport({ ratio: 0.9 });
  await expect(page.getByTestId('scenario-run-stored')).toBeVisible();
  await expect(page.getByTestId('result-item')).toHaveCount(1);
  await expect(page.getByTestId('result-item').first()).toHaveAttribute('data-status', 'passed');
  await page.screenshot({ path: `${SHOTS}/scenario-replayed.png` });

  // a second replay, then the two results side by side
  await runAndPass(page);
  await expect(page.getByTestId('result-item')).toHaveCount(2);
  for (const pick of await page.getByTestId('result-pick').all()) await pick.check();
  await page.getByTestId('results-compare').click();
  const comparison = page.getByTestId('comparison');
  await expect(comparison).toBeVisible();
  await expect(comparison.getByTestId('comparison-run')).toHaveCount(2);
  await expect(comparison.getByTestId('comparison-text-note')).toHaveAttribute('data-differed', 'false');
  // each side shows its own ids: the two results, and per paired run the two replays' run ids
  const [leftId, rightId] = [await comparison.getAttribute('data-left'), await comparison.getAttribute('data-right')];
  expect(leftId).not.toBe(rightId);
  await expect(comparison.getByTestId('comparison-side-a')).toContainText(leftId ?? '');
  await expect(comparison.getByTestId('comparison-side-b')).toContainText(rightId ?? '');
  for (const run of await comparison.getByTestId('comparison-run').all()) {
    const a = (await run.getByTestId('comparison-run-id-a').textContent())?.replace(/^A: /, '') ?? '';
    const b = (await run.getByTestId('comparison-run-id-b').textContent())?.replace(/^B: /, '') ?? '';
    expect(a).toMatch(/^run_/);
    expect(b).toMatch(/^run_/);
    expect(a).not.toBe(b);
  }
  await expect(comparison.locator('[data-testid="comparison-step-row"][data-change="same"]').first()).toBeVisible();
  await expect(comparison.locator('[data-testid="comparison-step-row"]:not([data-change="same"])')).toHaveCount(0);
  await expect(comparison.locator('[data-testid="comparison-event-row"][data-change="same"]').first()).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/scenario-comparison.png` });
  await page.getByTestId('comparison-close').click();
  await expect(comparison).toHaveCount(0);

  // deleting the saved scenario removes it from the library
  await page.getByTestId('scenario-delete').click();
  await page.getByTestId('scenario-delete-confirm').click();
  await expect(page.getByTestId('scenario-notice')).toContainText(`Deleted ${id}`);
  await expect(item).toHaveCount(0);
});

test('run a built-in scenario from the library; validation as you type; live steps and Stop', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  const builtin = page.locator('[data-testid="scenario-item"][data-id="golden/complete-flow"]');
  await expect(builtin).toHaveAttribute('data-source', 'builtin');
  await expect(builtin).toHaveAttribute('data-valid', 'true');
  await page.getByTestId('scenario-filter').fill('golden/complete');
  await expect(page.locator('[data-testid="scenario-item"]:not([data-id^="golden/complete-flow"])')).toHaveCount(0);
  await expect(builtin).toBeVisible();

  await builtin.click();
  await expect(page.getByTestId('scenario-origin')).toContainText('built-in · read-only');
  await expect(page.getByTestId('scenario-editor')).toContainText('expect_run');
  await expect(page.getByTestId('scenario-save')).toBeDisabled();
  await expect(page.getByTestId('scenario-delete')).toHaveCount(0);
  await runAndPass(page);
  await expect(page.getByTestId('scenario-caused').locator('[data-testid="run-lane"][data-status="succeeded"]')).toHaveCount(1);
  await expect(page.getByTestId('result-item').first()).toHaveAttribute('data-status', 'passed');
  await page.screenshot({ path: `${SHOTS}/scenario-builtin-run.png` });

  // New, then a broken edit: the issue is listed with its path before anything is saved
  await page.getByTestId('scenario-new').click();
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await page.getByTestId('scenario-editor').locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText('flowscope: 1\nname: Broken\nusers:\n  a: {}\nsteps:\n  - send: { as: b, message: { type: user_message } }\n');
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'false');
  await expect(page.locator('[data-testid="scenario-issue"][data-path="steps[0].send"]')).toContainText('user "b" is not declared');
  await expect(page.getByTestId('scenario-run')).toBeDisabled();
  await expect(page.getByTestId('scenario-save')).toBeDisabled();
  await expect(page.getByTestId('scenario-save-reason')).toHaveText('fix 1 issue to save');
  await expect(page.getByTestId('scenario-editor').locator('.cm-lintRange-error')).not.toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/scenario-validation.png` });

  // steps show live as they start and end; Stop ends the run and the rest is skipped
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText('flowscope: 1\nname: Long wait\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - sleep: 60000\n  - expect_nothing: { user: a }\n');
  await expect(page.getByTestId('scenario-validation')).toHaveText('Valid file · 1 user · 3 steps');
  await expect(page.getByTestId('scenario-title')).toHaveText('Long wait');
  await page.getByTestId('scenario-run').click();
  const step = (id: string) => page.locator(`[data-testid="scenario-step"][data-step-id="${id}"]`);
  await expect(step('1')).toHaveAttribute('data-status', 'passed');
  await expect(step('2')).toHaveAttribute('data-status', 'running');
  await expect(step('3')).toHaveAttribute('data-status', 'pending');
  await page.getByTestId('scenario-stop').click();
  await expect(page.getByTestId('scenario-run-panel')).toHaveAttribute('data-state', 'stopped');
  await expect(step('2')).toHaveAttribute('data-status', 'failed');
  await expect(step('2').getByTestId('step-failure')).toContainText('stopped');
  await expect(step('3')).toHaveAttribute('data-status', 'skipped');
});

test('export a recorded session as HAR, import it back as a scenario and replay it', async ({ page }, testInfo) => {
  await record(page, [['har-carol', 'socketio']]);

  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('scenario-export-har').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/^recorded-session-.*\.har$/);
  const harPath = testInfo.outputPath('session.har');
  await download.saveAs(harPath);
  const har = JSON.parse(fs.readFileSync(harPath, 'utf8')) as {
    log: { entries: Array<{ request: { url: string }; _webSocketMessages?: Array<{ type: string; data: string }> }> };
  };
  const sockets = har.log.entries.filter((e) => e._webSocketMessages);
  expect(sockets).toHaveLength(1);
  expect(sockets[0]!.request.url).toContain('/socket.io/');
  const frames = sockets[0]!._webSocketMessages!;
  expect(frames.some((f) => f.type === 'send' && f.data.includes('user_message'))).toBe(true);
  expect(frames.some((f) => f.type === 'receive' && f.data.includes('agent_completed'))).toBe(true);

  // import the file: the unsaved recording is open, so it asks first; then a new unsaved scenario from it, which replays
  await page.getByTestId('har-import-input').setInputFiles(harPath);
  await expect(page.getByTestId('discard-dialog-text')).toContainText('Discard unsaved changes to Recorded session');
  await page.getByTestId('discard-confirm').click();
  await expect(page.getByTestId('scenario-origin')).toContainText('imported from HAR · unsaved');
  await expect(page.getByTestId('scenario-title')).toContainText('Imported session');
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await expect(page.getByTestId('scenario-editor')).toContainText('expect_run');
  await runAndPass(page);
  await expect(page.getByTestId('scenario-caused').locator('[data-testid="run-lane"][data-status="succeeded"]')).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/scenario-har-import.png` });

  // a replay's own session exports too
  const second = page.waitForEvent('download');
  await page.getByTestId('result-export-har').click();
  expect((await second).suggestedFilename()).toMatch(/\.har$/);
});

test('a YAML flow-style scenario is YAML, not broken JSON', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  await page.getByTestId('scenario-new').click();
  await replaceText(page, '{flowscope: 1, name: Flow style, users: {a: {}}, steps: [{connect: a}]}');
  await expect(page.getByTestId('scenario-validation')).toHaveText('Valid file · 1 user · 1 step');
  await expect(page.getByTestId('scenario-origin')).toContainText('YAML');
  await replaceText(page, '{"flowscope": 1, "name": "JSON", "users": {"a": {}}, "steps": [{"connect": "a"}]}');
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await expect(page.getByTestId('scenario-origin')).toContainText('JSON');
});

test("undo after switching scenarios never brings back the other scenario's text", async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  const name = `Undo keeps to its own ${Date.now()}`;
  const id = await saveNew(page, scenarioText(name));
  const editor = page.getByTestId('scenario-editor').locator('.cm-content');
  const panel = page.getByTestId('scenario-editor-panel');

  // X, then golden/ping-pong, then X again: the editor shows X with a history of its own
  await openItem(page, 'golden/ping-pong');
  await expect(editor).toContainText('Ping answered by pong');
  await openItem(page, id);
  await expect(editor).toContainText(name);
  await editor.click();
  for (let i = 0; i < 3; i++) await page.keyboard.press('ControlOrMeta+z');
  await expect(editor).toContainText(name);
  await expect(editor).not.toContainText('Ping answered by pong');
  await expect(panel).toHaveAttribute('data-dirty', 'false');
  await expect(page.getByTestId('scenario-save')).toBeDisabled();

  // undo still works within the document
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('# an edit\n');
  await expect(panel).toHaveAttribute('data-dirty', 'true');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(panel).toHaveAttribute('data-dirty', 'false');
  await expect(editor).not.toContainText('# an edit');

  // the same after New: undo there does not bring back X either
  await page.getByTestId('scenario-new').click();
  await expect(editor).toContainText('New scenario');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+z');
  await expect(editor).toContainText('New scenario');
  await expect(editor).not.toContainText(name);
});

test('switching away from unsaved changes asks first: keep editing keeps them, discard drops them', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('health-status')).toContainText('ok');
  await page.getByTestId('tab-scenarios').click();
  const name = `Guarded edits ${Date.now()}`;
  const id = await saveNew(page, scenarioText(name));
  const editor = page.getByTestId('scenario-editor').locator('.cm-content');
  const panel = page.getByTestId('scenario-editor-panel');
  const dialog = page.getByTestId('discard-dialog');

  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.insertText('# keep me\n');
  await expect(panel).toHaveAttribute('data-dirty', 'true');
  await expect(page.getByTestId('scenario-dirty')).toBeVisible();

  // a broken HAR file: its error shows until the next action that succeeds
  await page.getByTestId('har-import-input').setInputFiles({ name: 'broken.har', mimeType: 'application/json', buffer: Buffer.from('not json') });
  await expect(page.getByTestId('har-import-error')).toContainText('not a HAR file');
  await expect(panel).toHaveAttribute('data-id', id);

  // another library item, New, the same item again: each asks, and keeping leaves the edit as it was
  for (const leave of [() => item(page, 'golden/ping-pong').click(), () => page.getByTestId('scenario-new').click(), () => item(page, id).click()]) {
    await leave();
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('discard-dialog-text')).toHaveText(`Discard unsaved changes to ${id}?`);
    await page.getByTestId('discard-cancel').click();
    await expect(dialog).toHaveCount(0);
    await expect(panel).toHaveAttribute('data-id', id);
    await expect(panel).toHaveAttribute('data-dirty', 'true');
    await expect(editor).toContainText('# keep me');
  }
  // Escape keeps too
  await item(page, 'golden/ping-pong').click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(editor).toContainText('# keep me');

  // leaving the page while there are unsaved changes warns (dismissed: the page stays)
  const unload = page.waitForEvent('dialog');
  await page.close({ runBeforeUnload: true });
  const warning = await unload;
  expect(warning.type()).toBe('beforeunload');
  await warning.dismiss();
  await expect(editor).toContainText('# keep me');

  // Record → Stop asks too; kept, the recording waits behind "Open recording"
  await page.getByTestId('tab-console').click();
  await addAndConnect(page, 'guard-dave', 'socketio');
  await page.getByTestId('record-start').click();
  await sendAndFinish(page, 'guard-dave');
  await expect(page.getByTestId('record-counts')).toContainText('1 sent');
  await page.getByTestId('record-stop').click();
  await expect(page.getByTestId('scenarios-view')).toBeVisible();
  await expect(dialog).toBeVisible();
  await page.getByTestId('discard-cancel').click();
  await expect(panel).toHaveAttribute('data-id', id);
  await expect(editor).toContainText('# keep me');
  await page.getByTestId('record-open').click();
  await expect(dialog).toBeVisible();
  await page.getByTestId('discard-confirm').click();
  await expect(page.getByTestId('scenario-origin')).toContainText('recorded · unsaved');
  await expect(page.getByTestId('record-open')).toHaveCount(0);
  // the successful open cleared the HAR error
  await expect(page.getByTestId('har-import-error')).toHaveCount(0);

  // an unsaved recording counts as unsaved changes: discarding it opens the saved scenario without the edit
  await item(page, id).click();
  await expect(page.getByTestId('discard-dialog-text')).toContainText('Discard unsaved changes to Recorded session');
  await page.getByTestId('discard-confirm').click();
  await expect(panel).toHaveAttribute('data-id', id);
  await expect(panel).toHaveAttribute('data-dirty', 'false');
  await expect(editor).toContainText(name);
  await expect(editor).not.toContainText('# keep me');
  await openItem(page, 'golden/ping-pong');
});

test('a failed step at 1280×720: the failure dominates, expected and received wrap inside the panel', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto('/');
  await page.getByTestId('tab-scenarios').click();
  await page.getByTestId('scenario-new').click();
  const long = 'a-long-expected-value-without-any-spaces-'.repeat(4);
  await replaceText(
    page,
    `flowscope: 1\nname: Fails on purpose\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - send: { as: a, message: { type: user_message, payload: { content: "What is 2 + 2?" } }, save_as: r1 }\n  - expect_run: { user: a, run: "{{r1.run_id}}", status: succeeded, response: { $contains: "${long}" } }\n`,
  );
  await page.getByTestId('scenario-run').click();
  const panel = page.getByTestId('scenario-run-panel');
  await expect(panel).toHaveAttribute('data-state', 'done', { timeout: RUN_TIMEOUT });
  const failed = panel.locator('[data-testid="scenario-step"][data-step-id="3"]');
  await expect(failed).toHaveAttribute('data-status', 'failed');
  await expect(failed.getByTestId('step-failed-badge')).toBeVisible();
  await expect(failed.getByTestId('step-failure-message')).toBeVisible();
  const box = (await panel.boundingBox())!;
  for (const testId of ['step-expected', 'step-received']) {
    const pre = failed.getByTestId(testId);
    await pre.scrollIntoViewIfNeeded();
    await expect(pre).toBeVisible();
    const fits = await pre.evaluate((el) => el.scrollWidth <= el.clientWidth);
    expect(fits, `${testId} has no horizontal overflow`).toBe(true);
    const b = (await pre.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(box.x + box.width + 0.5);
  }
  await expect(failed.getByTestId('step-expected')).toContainText(long.slice(0, 40));
  await page.screenshot({ path: `${SHOTS}/scenario-failed-step-1280.png` });
});
