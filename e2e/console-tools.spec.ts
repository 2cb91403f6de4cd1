/**
 * The Tools view (issue 18): a tool of an agent module run from its schema form as a user
 * (the raw JSON mode in step with the form), its result and duration; a schema violation with
 * its code and paths; the call in the timeline as a tool pair. And the agent-module reload
 * notices: a broken module says which file and why and that the previous version stays in
 * use; a good reload brings its new tool into the Tools view and its agent into the picker.
 * The backend is a real `flowscope serve` with a watched agent module (e2e/backend-process.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { addAndConnect, SHOTS } from './console-actions.ts';
import { BackendProcess } from './backend-process.ts';
import { startMcpHttpFixture } from '../test/support/mcp-http-server.ts';

const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

const moduleText = (extraTool = '') => `
export const tools = [
  {
    name: 'place_order',
    description: 'Places an order (echoes what it was given)',
    parameters: {
      type: 'object',
      properties: {
        customer: { type: 'string', description: 'Who orders' },
        quantity: { type: 'integer', minimum: 1 },
        express: { type: 'boolean' },
        size: { enum: ['s', 'm', 'l'] },
        address: { type: 'object', properties: { city: { type: 'string' }, zip: { type: 'string' } }, required: ['city'] },
        lines: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, qty: { type: 'integer' } }, required: ['sku'] } },
      },
      required: ['customer', 'address'],
      additionalProperties: false,
    },
    async execute(args) {
      return { placed: true, order: args };
    },
  },
  {
    name: 'slow_step',
    description: 'Waits, then answers',
    parameters: { type: 'object', properties: { ms: { type: 'integer', default: 8000 } } },
    async execute(args, signal) {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, Number(args.ms));
        signal.addEventListener('abort', () => { clearTimeout(timer); reject(new Error('stopped')); });
      });
      return { waited: args.ms };
    },
  },
  {
    name: 'snapshot',
    description: 'Answers in the MCP content shape: text and an image',
    parameters: { type: 'object', properties: {} },
    async execute() {
      return [{ type: 'text', text: 'a 1x1 pixel' }, { type: 'image', mimeType: 'image/png', data: '${PIXEL}' }];
    },
  },
  {
    name: 'pay',
    description: 'Pays by card or by invoice',
    parameters: {
      type: 'object',
      properties: {
        method: {
          oneOf: [
            { type: 'object', title: 'card', properties: { card: { type: 'string' } }, required: ['card'] },
            { type: 'object', title: 'invoice', properties: { po: { type: 'string' } }, required: ['po'] },
          ],
        },
      },
      required: ['method'],
    },
    async execute(args) {
      return { paid: args.method };
    },
  },
  ${extraTool}
];
export default { name: 'shop', description: 'A shop agent', run: async () => ({ response: 'ok' }) };
`;

const EXTRA_TOOL = `{
    name: 'refund',
    description: 'Refunds an order',
    parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
    async execute(args) { return { refunded: args.order_id }; },
  },`;

let dir: string;
let file: string;
let backend: BackendProcess;

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-e2e-tools-'));
  file = path.join(dir, 'shop-agent.mjs');
  fs.writeFileSync(file, moduleText());
  backend = await BackendProcess.start({ AGENTS: file, AGENT_RELOAD: '1' });
});
test.afterAll(async () => {
  await backend?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const field = (page: Page, p: string) => page.locator(`[data-testid="tool-field"][data-path="${p}"]`);
const input = (page: Page, p: string) => field(page, p).getByTestId('field-input').first();

async function openTool(page: Page, tool: string) {
  await page.getByTestId('tab-tools').click();
  await expect(page.getByTestId('tools-view')).toBeVisible();
  await page.locator(`[data-testid="tool-item"][data-tool="${tool}"]`).click();
  await expect(page.getByTestId('tool-detail')).toHaveAttribute('data-tool', tool);
}

test('runs a tool from its schema form as a user: result and duration; the JSON mode in step; the call is a tool pair in the timeline', async ({ page }) => {
  await page.goto(backend.url);
  await addAndConnect(page, 'tess', 'ws');
  await openTool(page, 'place_order');

  // the form from the schema: kinds and required marks
  await expect(field(page, 'args.customer')).toHaveAttribute('data-required', 'true');
  await expect(field(page, 'args.quantity')).toHaveAttribute('data-kind', 'integer');
  await expect(field(page, 'args.size')).toHaveAttribute('data-kind', 'enum');
  await expect(field(page, 'args.address.city')).toHaveAttribute('data-required', 'true');
  await expect(page.getByTestId('tool-missing')).toContainText('args.customer, args.address.city');

  await input(page, 'args.customer').fill('Ada');
  await input(page, 'args.quantity').fill('3');
  await input(page, 'args.express').selectOption('true');
  await input(page, 'args.size').selectOption({ label: 'm' });
  await input(page, 'args.address.city').fill('Oslo');
  await field(page, 'args.lines').getByTestId('field-add-item').click();
  await input(page, 'args.lines[0].sku').fill('tea');
  await expect(page.getByTestId('tool-missing')).toHaveCount(0);

  // the raw JSON mode shows the same arguments; an edit there shows in the form
  await page.getByTestId('tool-mode-json').click();
  const json = page.getByTestId('tool-args-json');
  expect(JSON.parse(await json.inputValue())).toEqual({
    customer: 'Ada',
    quantity: 3,
    express: true,
    size: 'm',
    address: { city: 'Oslo' },
    lines: [{ sku: 'tea' }],
  });
  await json.fill(
    JSON.stringify({ customer: 'Ada', quantity: 4, express: true, size: 'm', address: { city: 'Oslo' }, lines: [{ sku: 'tea', qty: 2 }] }, null, 2),
  );
  await page.getByTestId('tool-mode-form').click();
  await expect(input(page, 'args.quantity')).toHaveValue('4');
  await expect(input(page, 'args.lines[0].qty')).toHaveValue('2');

  await expect(page.getByTestId('tool-run-as')).toHaveValue('tess');
  await page.getByTestId('tool-run').click();
  const outcome = page.getByTestId('tool-outcome');
  await expect(outcome).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(page.getByTestId('tool-result')).toContainText('"placed": true');
  await expect(page.getByTestId('tool-result')).toContainText('"city": "Oslo"');
  await expect(page.getByTestId('tool-duration')).toHaveText(/^tool \d+ ms · run \d+ ms$/);
  await expect(page.getByTestId('tool-call-row').first()).toHaveAttribute('data-status', 'succeeded');
  await page.screenshot({ path: `${SHOTS}/tools-view-1440.png` });
  const runId = (await outcome.getAttribute('data-run-id')) ?? '';
  expect(runId).not.toBe('');

  // recorded like any other run: its lane in the timeline with the tool pair
  await page.getByTestId('tool-show-run').click();
  await expect(page.getByTestId('console-view')).toBeVisible();
  const lane = page.locator(`[data-testid="run-lane"][data-run-id="${runId}"]`);
  await expect(lane).toHaveAttribute('data-status', 'succeeded');
  await expect(lane.getByTestId('check-tool_executing')).toHaveAttribute('data-ok', 'true');
  await expect(lane.getByTestId('check-tool_completed')).toHaveAttribute('data-ok', 'true');

  // and in the stored history of runs
  const token = await page.evaluate(() => {
    const stored = JSON.parse(localStorage.getItem('flowscope.console.targets') ?? '{}') as {
      current: string;
      targets: Record<string, { users: Array<{ userId: string; token: string }> }>;
    };
    return stored.targets[stored.current]?.users.find((u) => u.userId === 'tess')?.token ?? '';
  });
  const runs = (await (await fetch(`${backend.url}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
    runs: Array<{ id: string; agent: string; status: string }>;
  };
  expect(runs.runs.find((r) => r.id === runId)).toMatchObject({ agent: 'tool-call', status: 'succeeded' });
});

test('a schema violation shows its code and each path', async ({ page }) => {
  await page.goto(backend.url);
  await addAndConnect(page, 'vic', 'socketio');
  await openTool(page, 'place_order');
  await page.getByTestId('tool-mode-json').click();
  await page.getByTestId('tool-args-json').fill('{"customer": 5, "address": {}, "colour": "red"}');
  await expect(page.getByTestId('tool-args-json-error')).toHaveCount(0);
  await page.getByTestId('tool-args-json').press('Control+Enter'); // runs, as the Run button does
  const outcome = page.getByTestId('tool-outcome');
  await expect(outcome).toHaveAttribute('data-status', 'failed', { timeout: 15_000 });
  await expect(page.getByTestId('tool-error-code')).toHaveText('TOOL_ARGUMENTS_INVALID');
  await expect(page.locator('[data-testid="tool-violation"][data-path="args.customer"]')).toContainText('must be string');
  await expect(page.locator('[data-testid="tool-violation"][data-path="args.address.city"]')).toContainText('is required');
  await expect(page.locator('[data-testid="tool-violation"][data-path="args.colour"]')).toContainText('is not an accepted argument');

  // raw JSON that is not an object is caught before anything is sent
  await page.getByTestId('tool-args-json').fill('{"customer": ');
  await expect(page.getByTestId('tool-args-json-error')).toContainText('not JSON');
  await expect(page.getByTestId('tool-run')).toBeDisabled();
});

test('a broken agent-module reload shows its notice; a good one brings the new tool and agent', async ({ page }) => {
  await page.goto(backend.url);
  await addAndConnect(page, 'rita', 'ws');
  await openTool(page, 'place_order');

  fs.writeFileSync(file, moduleText().replace("run: async () => ({ response: 'ok' })", "run: async () => ({ response: 'ok' )"));
  const notice = page.locator('[data-testid="catalog-notice"][data-kind="failed"]');
  await expect(notice).toBeVisible({ timeout: 15_000 });
  await expect(notice).toHaveAttribute('data-file', file);
  await expect(notice).toContainText('shop-agent.mjs');
  await expect(notice).toContainText('The previous version stays in use.');
  await expect(notice.getByTestId('catalog-notice-reason')).toContainText('failed to load');
  await page.screenshot({ path: `${SHOTS}/tools-reload-failed-1440.png` });

  // the previous version still runs
  await page.getByTestId('tool-mode-json').click();
  await page.getByTestId('tool-args-json').fill('{"customer": "Ada", "address": {"city": "Rome"}}');
  await page.getByTestId('tool-run').click();
  await expect(page.getByTestId('tool-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });

  // fixed, with a new tool: the notice says so, the Tools view and the agent picker read the catalog again
  fs.writeFileSync(file, moduleText(EXTRA_TOOL).replace("name: 'shop'", "name: 'shop-v2'"));
  const reloaded = page.locator('[data-testid="catalog-notice"][data-kind="reloaded"]');
  await expect(reloaded).toBeVisible({ timeout: 15_000 });
  await expect(notice).toHaveCount(0);
  await expect(reloaded).toContainText('refund');
  await expect(page.locator('[data-testid="tool-item"][data-tool="refund"]')).toBeVisible();
  await page.getByTestId('tab-console').click();
  await expect(page.getByTestId('agent-select').locator('option[value="shop-v2"]')).toHaveCount(1);
  await reloaded.getByTestId('catalog-notice-dismiss').click();
  await expect(page.getByTestId('catalog-notice')).toHaveCount(0);
});

test('a oneOf argument by its variant; MCP-shaped content as text and image; an older call reopened and its arguments put back; a slow tool cancelled', async ({
  page,
}) => {
  await page.goto(backend.url);
  await addAndConnect(page, 'olga', 'ws');
  await addAndConnect(page, 'piet', 'socketio');
  await openTool(page, 'pay');

  // oneOf: pick the variant, then its own fields
  await expect(field(page, 'args.method').getByTestId('field-variant')).toHaveValue('-1');
  await field(page, 'args.method').getByTestId('field-variant').selectOption({ label: 'invoice' });
  await input(page, 'args.method').fill('PO-7');
  await page.getByTestId('tool-mode-json').click();
  expect(JSON.parse(await page.getByTestId('tool-args-json').inputValue())).toEqual({ method: { po: 'PO-7' } });
  // a value of the other variant typed as JSON: the form shows that variant
  await page.getByTestId('tool-args-json').fill('{"method": {"card": "4242"}}');
  await page.getByTestId('tool-mode-form').click();
  await expect(field(page, 'args.method').getByTestId('field-variant')).toHaveValue('0');
  await expect(input(page, 'args.method')).toHaveValue('4242');
  await page.getByTestId('tool-run').click();
  await expect(page.getByTestId('tool-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(page.getByTestId('tool-result')).toContainText('"card": "4242"');

  // content blocks: the text as text, the image as an image; the raw JSON a click away
  await openTool(page, 'snapshot');
  await page.getByTestId('tool-run').click();
  await expect(page.getByTestId('tool-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
  await expect(page.locator('[data-testid="tool-content-block"][data-kind="text"]')).toHaveText('a 1x1 pixel');
  const image = page.locator('[data-testid="tool-content-block"][data-kind="image"] img');
  await expect(image).toHaveAttribute('src', /^data:image\/png;base64,/);
  expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
  await page.getByTestId('tool-result-json-mode').click();
  await expect(page.getByTestId('tool-result')).toContainText('"mimeType": "image/png"');

  // the Calls list: an older call shows its own outcome; its arguments go back into the form
  await page.locator('[data-testid="tool-call-row"]').nth(1).click();
  await expect(page.getByTestId('tool-detail')).toHaveAttribute('data-tool', 'pay');
  await expect(page.getByTestId('tool-result')).toContainText('"card": "4242"');
  await page.getByTestId('tool-reset').click();
  await expect(field(page, 'args.method').getByTestId('field-input')).toHaveValue('');
  await page.getByTestId('tool-use-args').click();
  await expect(input(page, 'args.method')).toHaveValue('4242');

  // a slow tool as the other user, cancelled from the outcome: cancelled, not failed
  await openTool(page, 'slow_step');
  await page.getByTestId('tool-run-as').selectOption('piet');
  await page.getByTestId('tool-run').click();
  const outcome = page.getByTestId('tool-outcome');
  await expect(outcome).toHaveAttribute('data-phase', 'running', { timeout: 15_000 });
  await expect(outcome).toContainText('as piet');
  await page.getByTestId('tool-cancel').click();
  await expect(outcome).toHaveAttribute('data-status', 'cancelled', { timeout: 15_000 });
  await expect(page.getByTestId('tool-error-code')).toHaveText('CANCELLED');
  await expect(page.locator('[data-testid="tool-call-row"]').first()).toHaveAttribute('data-status', 'cancelled');
  await page.screenshot({ path: `${SHOTS}/tools-cancelled-1440.png` });
});

test("an MCP server's new tool (tools/list_changed) shows in the Tools list without a reload", async ({ page }) => {
  const fixture = await startMcpHttpFixture();
  const mcpBackend = await BackendProcess.start({ FLOWSCOPE_MCP: `fx=${fixture.url}` });
  try {
    await page.goto(mcpBackend.url);
    await addAndConnect(page, 'max', 'ws');
    await openTool(page, 'fx.add_tool');
    await expect(page.locator('[data-testid="tool-item"][data-tool="fx.late_tool"]')).toHaveCount(0);
    await input(page, 'args.name').fill('late_tool');
    await page.getByTestId('tool-run').click();
    await expect(page.getByTestId('tool-outcome')).toHaveAttribute('data-status', 'succeeded', { timeout: 15_000 });
    await expect(page.locator('[data-testid="tool-item"][data-tool="fx.late_tool"]')).toBeVisible({ timeout: 15_000 });
  } finally {
    await mcpBackend.stop();
    await fixture.close();
  }
});
