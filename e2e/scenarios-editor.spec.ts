/**
 * The scenario editor as a user works in it: completion and hover from the scenario JSON
 * Schema, a failed step's file:line that puts the cursor on its line, "valid file" against a
 * run's "passed", Save as with a name, Run tag and Run all with a summary, and a comparison
 * that shows the text diff with the fix in green.
 */
import { expect, test, type Page } from '@playwright/test';
import { SHOTS } from './console-actions.ts';

const RUN_TIMEOUT = 30_000;

async function openScenarios(page: Page) {
  await page.goto('/');
  await expect(page.getByTestId('health-status')).toContainText('ok');
  await page.getByTestId('tab-scenarios').click();
  await expect(page.getByTestId('scenario-library')).toBeVisible();
}

const content = (page: Page) => page.getByTestId('scenario-editor').locator('.cm-content');
const activeLine = (page: Page) => page.getByTestId('scenario-editor').locator('.cm-activeLine');

/** The console's "ok" green in the theme the browser uses (light or dark). */
const okGreen = (page: Page) =>
  page.evaluate(() => {
    const probe = document.body.appendChild(document.createElement('span'));
    probe.style.color = 'var(--ok)';
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
  });

/**
 * Accepts the completion `label` with Enter once it is the selected option. CodeMirror ignores
 * Enter for its `interactionDelay` (75 ms) after the list opens or changes, so that a fast typist's
 * Enter is a new line: wait that long, as a person reading the list does.
 */
async function accept(page: Page, label: string, thenOffered?: string) {
  const popup = page.locator('.cm-tooltip-autocomplete');
  await expect(popup.locator('li[aria-selected="true"]')).toHaveText(new RegExp(`^${label}`));
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
  // a key with fixed values opens their list at once (`thenOffered`: the first one)
  if (thenOffered) await expect(popup.locator('li[aria-selected="true"]')).toHaveText(new RegExp(`^${thenOffered}`));
  else await expect(popup).toHaveCount(0);
}

async function replaceText(page: Page, text: string) {
  await content(page).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.insertText(text);
}

/** Save as under `name` (asked for in the form). */
async function saveAs(page: Page, name: string) {
  await page.getByTestId('scenario-save-as').click();
  await page.getByTestId('save-as-name').fill(name);
  await page.getByTestId('save-as-confirm').click();
  await expect(page.getByTestId('scenario-notice')).toHaveText(`Saved as ${name}`);
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', name);
}

/** Fails at its third step (line 8): the answer never contains the text. */
const failing = (name: string, tag: string) => `flowscope: 1
name: ${name}
tags: [${tag}]
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "What is 2 + 2?" } }, save_as: r1 }
  - expect_run:
      user: a
      run: "{{r1.run_id}}"
      status: succeeded
      response: { $contains: "never in the answer" }
`;

const passing = (name: string, tag: string) => `flowscope: 1\nname: ${name}\ntags: [${tag}]\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - sleep: 1\n`;

async function runToEnd(page: Page) {
  await page.getByTestId('scenario-run').click();
  await expect(page.getByTestId('scenario-run-panel')).toHaveAttribute('data-state', 'done', { timeout: RUN_TIMEOUT });
}

test('type a step with completion from the schema; hovering a key shows its description', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  await replaceText(page, 'flowscope: 1\nname: Typed\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - ');
  await page.keyboard.type('se');
  const popup = page.locator('.cm-tooltip-autocomplete');
  await expect(popup).toBeVisible();
  // the keys valid in a step: step kinds, with their type
  await expect(popup.locator('li', { hasText: 'send' })).toBeVisible();
  await expect(popup.locator('li', { hasText: 'set' })).toBeVisible();
  await expect(popup).not.toContainText('flowscope');
  await page.keyboard.type('n');
  await accept(page, 'send');
  await expect(content(page)).toContainText('- send:');
  // a field of the send step on the next line, then an enum value (new lines as pasted: no auto-indent)
  await page.keyboard.insertText('\n      as: a\n      ');
  await page.keyboard.type('exp');
  await expect(popup.locator('li', { hasText: 'expect' })).toBeVisible();
  await accept(page, 'expect', 'ack');
  await page.keyboard.type('po');
  await accept(page, 'pong');
  await page.keyboard.insertText('\n      message: { type: ping }\n');
  await expect(content(page)).toContainText('expect: pong');
  await expect(page.getByTestId('scenario-validation')).toHaveAttribute('data-valid', 'true');
  await expect(page.getByTestId('scenario-validation')).toHaveText('Valid file · 1 user · 2 steps');

  // hover a key: its path, type and the schema's description
  await page
    .getByTestId('scenario-editor')
    .locator('.cm-yaml-key', { hasText: /^send$/ })
    .hover();
  const hover = page.getByTestId('schema-hover');
  await expect(hover).toBeVisible();
  await expect(hover).toContainText('steps[1].send');
  await expect(hover).toContainText('Send as a user');
  await page.screenshot({ path: `${SHOTS}/scenario-editor-hover.png` });
});

test('a failed step shows file:line and puts the cursor on it; valid file and passed read differently; Save as asks a name', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  await replaceText(page, failing('Jumps to its line', 'e2e-editor'));
  const validation = page.getByTestId('scenario-validation');
  await expect(validation).toHaveText('Valid file · 1 user · 3 steps');

  // Save as: the name is asked and checked
  await page.getByTestId('scenario-save-as').click();
  const nameInput = page.getByTestId('save-as-name');
  await expect(nameInput).toBeFocused();
  await nameInput.fill('nested/name');
  await expect(page.getByTestId('save-as-error')).toHaveText('A name has no path separators (/ or \\).');
  await expect(page.getByTestId('save-as-confirm')).toBeDisabled();
  await page.getByTestId('save-as-cancel').click();
  await expect(page.getByTestId('save-as-form')).toHaveCount(0);
  await saveAs(page, 'editor-jump');
  // the same name again: it exists, so the button says what it does
  await page.getByTestId('scenario-save-as').click();
  await nameInput.fill('editor-jump');
  await expect(page.getByTestId('save-as-exists')).toContainText('editor-jump');
  await expect(page.getByTestId('save-as-confirm')).toHaveText('Replace editor-jump');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('save-as-form')).toHaveCount(0);

  await runToEnd(page);
  await expect(page.getByTestId('scenario-run-status')).toHaveText('failed');
  const failed = page.locator('[data-testid="scenario-step"][data-step-id="3"]');
  await expect(failed).toHaveAttribute('data-status', 'failed');
  const source = failed.getByTestId('step-source');
  await expect(source).toHaveText('editor-jump:9:5');
  // the cursor is elsewhere; the click puts it on the failed step's line
  await content(page).click();
  await page.keyboard.press('ControlOrMeta+Home');
  await expect(activeLine(page)).toHaveText('flowscope: 1');
  await source.click();
  await expect(activeLine(page)).toHaveText('  - expect_run:');
  await expect(content(page)).toBeFocused();

  // "valid" is the file, blue and plain; "failed"/"passed" is the run, a pill with an icon
  const validColor = await validation.evaluate((el) => getComputedStyle(el).color);
  const statusPill = page.locator('.run-result');
  await expect(statusPill).toContainText('✘');
  await replaceText(page, passing('Jumps to its line', 'e2e-editor'));
  await page.getByTestId('scenario-save').click();
  await runToEnd(page);
  await expect(page.getByTestId('scenario-run-status')).toHaveText('passed');
  await expect(statusPill).toContainText('✔');
  const passedColor = await statusPill.evaluate((el) => getComputedStyle(el).color);
  expect(validColor).not.toBe(passedColor);
  expect(await validation.evaluate((el) => getComputedStyle(el, '::before').content)).toBe('"{ }"');
  await page.screenshot({ path: `${SHOTS}/scenario-valid-vs-passed.png` });
});

test('Run tag: a summary with counts and duration; a line opens its scenario at the failing line. Run all: a summary, stoppable', async ({ page }) => {
  await openScenarios(page);
  for (const [id, text] of [
    ['batch-pass', passing('Batch passes', 'e2e-batch')],
    ['batch-fail', failing('Batch fails', 'e2e-batch')],
  ] as const) {
    await page.getByTestId('scenario-new').click();
    await replaceText(page, text);
    await saveAs(page, id);
  }
  await page.getByTestId('scenario-tag-select').selectOption('e2e-batch');
  await page.getByTestId('scenario-run-tag').click();
  const batch = page.getByTestId('scenario-batch');
  await expect(batch).toHaveAttribute('data-state', 'done', { timeout: 2 * RUN_TIMEOUT });
  await expect(batch.getByTestId('scenario-batch-entry')).toHaveCount(2);
  await expect(batch.getByTestId('scenario-batch-summary')).toHaveText(/^1 passed · 1 failed · 0 skipped · \d+ ms$/);
  await expect(batch.locator('[data-testid="scenario-batch-entry"][data-id="batch-pass"]')).toHaveAttribute('data-state', 'passed');
  const failedEntry = batch.locator('[data-testid="scenario-batch-entry"][data-id="batch-fail"]');
  await expect(failedEntry).toHaveAttribute('data-state', 'failed');
  await expect(failedEntry).toContainText('batch-fail:9:5');
  await page.screenshot({ path: `${SHOTS}/scenario-run-tag.png` });

  // open the other one first, then the failed line: its scenario opens with the cursor on the step
  await batch.locator('[data-testid="scenario-batch-entry"][data-id="batch-pass"]').getByTestId('scenario-batch-open').click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', 'batch-pass');
  await failedEntry.getByTestId('scenario-batch-open').click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', 'batch-fail');
  await expect(activeLine(page)).toHaveText('  - expect_run:');
  // its stored result is listed
  await expect(page.getByTestId('result-item')).toHaveCount(1);

  // Run all: every scenario of the library, one at a time; Stop leaves the rest not run (skipped)
  await page.getByTestId('scenario-run-all').click();
  await expect(batch).toHaveAttribute('data-state', 'running');
  const total = await page.getByTestId('scenario-item').count();
  await expect(batch.getByTestId('scenario-batch-entry')).toHaveCount(total);
  await expect(batch.locator('[data-testid="scenario-batch-entry"]:is([data-state="passed"], [data-state="failed"])').first()).toBeVisible({
    timeout: RUN_TIMEOUT,
  });
  await page.getByTestId('scenario-batch-stop').click();
  await expect(batch).toHaveAttribute('data-state', 'stopped', { timeout: RUN_TIMEOUT });
  const summary = await batch.getByTestId('scenario-batch-summary').textContent();
  const [, passed, failedCount, skipped] = /^(\d+) passed · (\d+) failed · (\d+) skipped · \d+ ms · stopped$/.exec(summary ?? '') ?? [];
  expect(Number(passed) + Number(failedCount)).toBeGreaterThan(0);
  expect(Number(passed) + Number(failedCount) + Number(skipped)).toBe(total);
  expect(Number(skipped)).toBeGreaterThan(0);
});

test('compare a failing result with its fix: the text diff, and the fix in green', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  await replaceText(page, failing('Fixed later', 'e2e-compare'));
  await saveAs(page, 'compare-fix');
  await runToEnd(page);
  await expect(page.getByTestId('scenario-run-status')).toHaveText('failed');
  // the fix: no claim about the answer
  await replaceText(page, failing('Fixed later', 'e2e-compare').replace('never in the answer', '4'));
  await page.getByTestId('scenario-save').click();
  await expect(page.getByTestId('scenario-dirty')).toHaveCount(0);
  await runToEnd(page);
  await expect(page.getByTestId('scenario-run-status')).toHaveText('passed');
  await expect(page.getByTestId('result-item')).toHaveCount(2);
  for (const pick of await page.getByTestId('result-pick').all()) await pick.check();
  await page.getByTestId('results-compare').click();

  const comparison = page.getByTestId('comparison');
  await expect(comparison.getByTestId('comparison-text-note')).toHaveAttribute('data-differed', 'true');
  await expect(comparison.getByTestId('comparison-text-note')).toContainText('(1 line added, 1 removed)');
  const diff = comparison.getByTestId('comparison-text-diff');
  await expect(diff).toBeVisible();
  const removed = diff.locator('[data-testid="comparison-diff-line"][data-kind="removed"]');
  await expect(removed).toHaveCount(1);
  await expect(removed).toContainText('never in the answer');
  await expect(diff.locator('[data-testid="comparison-diff-line"][data-kind="same"]').first()).toBeVisible();

  const green = await okGreen(page);
  const verdict = comparison.getByTestId('comparison-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', 'fix');
  await expect(verdict).toHaveCSS('color', green);
  const change = comparison.locator('[data-testid="comparison-status-change"][data-verdict="fix"]');
  await expect(change).toContainText('step 3');
  await expect(change).toHaveCSS('color', green);
  const row = comparison.locator('[data-testid="comparison-step-row"][data-verdict="fix"]');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td').first()).toHaveCSS('color', green);
  await page.screenshot({ path: `${SHOTS}/scenario-compare-fix.png` });
});

test('a scenario typed from scratch with keys, Enter and completion only: values offered at once, Enter indents, kinds read as kinds', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  await content(page).click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  const popup = page.locator('.cm-tooltip-autocomplete');
  // `flowscope` takes one value: its list opens as soon as the key is applied
  await page.keyboard.type('fl');
  await accept(page, 'flowscope', '1');
  await accept(page, '1');
  await page.keyboard.press('Enter');
  await page.keyboard.type('name: scratch');
  await page.keyboard.press('Enter');
  await page.keyboard.type('us');
  await accept(page, 'users');
  // Enter after `users: ` goes one level in (and drops the space left after the colon)
  await page.keyboard.press('Enter');
  await page.keyboard.type('a: {}');
  // Backspace in the indentation goes back one level (2 spaces)
  await page.keyboard.press('Enter');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('st');
  await accept(page, 'steps');
  await page.keyboard.press('Enter');
  await page.keyboard.type('- co');
  // a step kind is one of several, not "required"
  await expect(popup.locator('li[aria-selected="true"]')).toContainText('step kind');
  await accept(page, 'connect');
  await page.keyboard.type('a');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Backspace');
  await page.keyboard.type('- sen');
  await accept(page, 'send');
  // Enter after `- send:` lands on the send's fields; Ctrl+Space lists them
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Space');
  await expect(popup.locator('li', { hasText: /^as/ })).toContainText('string · required');
  await page.keyboard.type('as');
  await accept(page, 'as');
  await page.keyboard.type('a');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Enter');
  await page.keyboard.type('exp');
  await accept(page, 'expect', 'ack');
  await page.keyboard.type('po');
  await accept(page, 'pong');
  await page.keyboard.press('Enter');
  await page.keyboard.type('message: { type: ping }');
  await page.keyboard.press('Escape');
  const text = await page.getByTestId('scenario-editor').evaluate((el) => (el.querySelector('.cm-content') as HTMLElement).innerText);
  expect(text.trimEnd()).toBe(
    'flowscope: 1\nname: scratch\nusers:\n  a: {}\nsteps:\n  - connect: a\n  - send:\n      as: a\n      expect: pong\n      message: { type: ping }',
  );
  await expect(page.getByTestId('scenario-validation')).toHaveText('Valid file · 1 user · 2 steps');

  // a key inside a one-line flow mapping has its hover too
  await replaceText(page, 'flowscope: 1\nname: flow\nusers:\n  a: {}\nsteps:\n  - send: { as: a, message: { type: ping }, save_as: p }\n');
  await page
    .getByTestId('scenario-editor')
    .locator('.cm-yaml-key', { hasText: /^save_as$/ })
    .hover();
  const hover = page.getByTestId('schema-hover');
  await expect(hover).toContainText('steps[0].send.save_as');
  await page.mouse.move(0, 0);
  await page
    .getByTestId('scenario-editor')
    .locator('.cm-yaml-key', { hasText: /^send$/ })
    .hover();
  await expect(hover).toContainText('steps[0].send object · step kind');
  await page.screenshot({ path: `${SHOTS}/scenario-editor-from-scratch.png` });
});

test('Save as: a never-saved scenario is offered its name; a bad name is offered made an id', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  await replaceText(page, passing('Offered Name', 'e2e-saveas'));
  await page.getByTestId('scenario-save-as').click();
  const nameInput = page.getByTestId('save-as-name');
  await expect(nameInput).toHaveValue('offered-name');
  await nameInput.fill('My Flow v2');
  await expect(page.getByTestId('save-as-error')).toContainText('lowercase');
  await expect(page.getByTestId('save-as-confirm')).toBeDisabled();
  await page.getByTestId('save-as-suggestion').click();
  await expect(nameInput).toHaveValue('my-flow-v2');
  await expect(page.getByTestId('save-as-suggestion')).toHaveCount(0);
  await page.getByTestId('save-as-confirm').click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', 'my-flow-v2');
  // a saved one: `-copy`, and a taken suggestion moves on to -2
  await saveAs(page, 'my-flow-v2-copy');
  await page.getByTestId('scenario-save-as').click();
  await expect(nameInput).toHaveValue('my-flow-v2-copy-copy');
  await page.keyboard.press('Escape');
});

test('a batch started while another starts is refused; a failed line opens its result and marks the line', async ({ page }) => {
  await openScenarios(page);
  for (const [id, text] of [
    ['race-fail', failing('Race fails', 'e2e-race')],
    ['race-pass', passing('Race passes', 'e2e-race')],
  ] as const) {
    await page.getByTestId('scenario-new').click();
    await replaceText(page, text);
    await saveAs(page, id);
  }
  await page.getByTestId('scenario-tag-select').selectOption('e2e-race');
  // Run tag, then Run all at once (the library is reloading): one batch, the tag's
  await page.getByTestId('scenario-run-tag').click();
  await page.getByTestId('scenario-run-all').click({ force: true });
  const batch = page.getByTestId('scenario-batch');
  await expect(batch).toHaveAttribute('data-state', 'done', { timeout: 2 * RUN_TIMEOUT });
  await expect(batch.locator('h2')).toContainText('Run tag');
  await expect(batch.getByTestId('scenario-batch-entry')).toHaveCount(2);
  await expect(batch.locator('[data-testid="scenario-batch-entry"]:is([data-state="queued"], [data-state="running"])')).toHaveCount(0);
  await expect(batch.getByTestId('scenario-batch-summary')).toHaveText(/^1 passed · 1 failed · 0 skipped · \d+ ms$/);

  // the failed line: its scenario, its result of this batch (expected and received), its line marked
  await batch.locator('[data-testid="scenario-batch-entry"][data-id="race-fail"]').getByTestId('scenario-batch-open').click();
  await expect(page.getByTestId('scenario-editor-panel')).toHaveAttribute('data-id', 'race-fail');
  await expect(page.getByTestId('scenario-run-status')).toHaveText('failed');
  await expect(page.locator('[data-testid="scenario-step"][data-step-id="3"]')).toHaveAttribute('data-status', 'failed');
  const marked = page.getByTestId('scenario-editor').locator('.cm-jump-line');
  await expect(marked).toHaveText('  - expect_run:');
  await expect(marked).not.toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');
  await page.screenshot({ path: `${SHOTS}/scenario-batch-open-failed.png` });
  // the next edit clears the mark
  await page.keyboard.type('#');
  await expect(marked).toHaveCount(0);
});

test('a 2,000-step file: checked once typing pauses, the footer says so meanwhile', async ({ page }) => {
  await openScenarios(page);
  await page.getByTestId('scenario-new').click();
  let text = 'flowscope: 1\nname: big\nusers:\n  a: {}\nsteps:\n';
  for (let i = 0; i < 2000; i += 1) text += i % 2 ? '  - sleep: 1\n' : '  - send:\n      as: a\n      message: { type: ping }\n      expect: pong\n';
  // set as one change (typing or pasting 7,000 lines through the page is the browser's cost, not ours)
  await page.getByTestId('scenario-editor').evaluate((el, t) => {
    // CodeMirror's handle on its content element (what EditorView.findFromDOM reads)
    type View = { dispatch(spec: unknown): void; state: { doc: { length: number } } };
    const view = (el.querySelector('.cm-content') as HTMLElement & { cmTile?: { root?: { view?: View } } }).cmTile?.root?.view;
    if (!view) throw new Error('no editor view');
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } });
  }, text);
  const validation = page.getByTestId('scenario-validation');
  await expect(validation).toHaveText('Valid file · 1 user · 2000 steps');
  // whether the footer said "checking…" while typing (recorded as it happens, not polled)
  await validation.evaluate((el) => {
    const seen: string[] = [];
    (window as unknown as { sawPending: string[] }).sawPending = seen;
    new MutationObserver(() => {
      if (el.getAttribute('data-pending') === 'true') seen.push(el.textContent ?? '');
    }).observe(el, { attributes: true, childList: true, subtree: true, characterData: true });
  });
  await content(page).click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type('  - conect: a');
  await expect(validation).toHaveAttribute('data-pending', 'false');
  const sawPending = await page.evaluate(() => (window as unknown as { sawPending: string[] }).sawPending);
  expect(sawPending.length).toBeGreaterThan(0);
  expect(sawPending[0]).toContain('checking…');
  await expect(validation).toHaveText('Invalid file · 1 issue');
  await expect(page.getByTestId('scenario-issue')).toContainText('unknown step "conect"');
});
