/**
 * The runner's own behaviour against a real embedded backend: waits consume matches,
 * failures carry the closest candidate, templates and repeat indexes, and refusals.
 */
import { getEventListeners } from 'node:events';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../backend/index.ts';
import type { WebSocketConstructor } from '../client/index.ts';
import { firstFailure, type ScenarioResult } from '../scenario/scenario-result.ts';
import { runScenario } from '../scenario/scenario-runner.ts';
import { validateScenario } from '../scenario/scenario-schema.ts';

let backend: Awaited<ReturnType<typeof startBackend>>;
let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-runner-'));
  backend = await startBackend({ host: '127.0.0.1', port: 0, dataDir, quiet: true });
});
afterAll(async () => {
  await backend.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

async function run(doc: Record<string, unknown>, env: Record<string, string> = {}): Promise<ScenarioResult> {
  const v = validateScenario({ flowscope: 1, name: 'runner test', users: { a: {}, b: {} }, ...doc });
  if (!v.ok) throw new Error(JSON.stringify(v.issues));
  return runScenario(v.scenario, { target: backend.url, WebSocketImpl: WebSocket as unknown as WebSocketConstructor, timeoutMs: 3000, env });
}

describe('scenario runner', () => {
  it('waits consume matches in order and capture values; repeat exposes its index', async () => {
    const r = await run({
      steps: [
        { connect: { user: 'a', transport: 'ws' } },
        { repeat: { times: 2, index: 'i', steps: [{ send: { as: 'a', message: { type: 'ping', message_id: 'p{{i}}-{{run.id}}' } } }] } },
        { send: { as: 'a', message: { type: 'user_message', payload: { content: 'What is 2 + 3? ({{user.a.id}})' } }, save_as: 'r1' } },
        { wait: { user: 'a', match: { type: 'tool_executing', run_id: '{{r1.run_id}}' }, capture: { tool: 'payload.tool', call: 'payload.call_id' } } },
        { wait: { user: 'a', match: { type: 'tool_completed', payload: { call_id: '{{call}}', tool: '{{tool}}' } } } },
        { wait: { user: 'a', match: { type: 'agent_completed' } } },
        { expect_run: { user: 'a', run: '{{r1.run_id}}', payloads: { tool_executing: { tool: 'calculator' } } } },
      ],
    });
    expect(firstFailure(r.steps)?.failure).toBeUndefined();
    expect(r.status).toBe('passed');
    expect(r.steps[1]?.children?.map((c) => c.title)).toEqual(['iteration 1 (i = 0)', 'iteration 2 (i = 1)']);
    expect(r.sent.filter((s) => (s.data as { type?: string }).type === 'ping').map((s) => (s.data as { message_id: string }).message_id)).toEqual([
      expect.stringMatching(/^p0-/),
      expect.stringMatching(/^p1-/),
    ]);
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]?.user_id).toBe(r.users.a?.id);
  });

  it('a wait that times out reports the closest envelope and what differed', async () => {
    const r = await run({
      steps: [
        { connect: 'a' },
        { send: { as: 'a', message: { type: 'user_message', payload: { content: 'What is 6 * 7?' } }, save_as: 'r1' } },
        { wait: { user: 'a', match: { type: 'agent_completed', payload: { status: 'failed' } }, timeout_ms: 1500 } },
      ],
    });
    expect(r.status).toBe('failed');
    const failed = firstFailure(r.steps);
    expect(failed?.id).toBe('3');
    expect(failed?.failure?.message).toMatch(/^nothing matching arrived within 1500 ms/);
    expect(failed?.failure?.received?.[0]).toMatch(/^closest: agent_completed #\d+ run run_\w+ succeeded$/);
    expect(failed?.failure?.received).toContain('  payload.status: expected "failed", received "succeeded"');
  });

  it('an undefined template name fails the step and names what exists', async () => {
    const r = await run({ steps: [{ connect: 'a' }, { send: { as: 'a', message: { type: 'cancel_run', payload: { run_id: '{{r9.run_id}}' } } } }] });
    expect(firstFailure(r.steps)?.failure?.message).toMatch(/^\{\{r9.run_id\}\}: "r9" is not defined \(defined: .*user.*\)$/);
  });

  it('sending before connecting, and an accepted connection that should be refused, fail clearly', async () => {
    const notConnected = await run({ steps: [{ send: { as: 'b', raw: 'hi' } }] });
    expect(firstFailure(notConnected.steps)?.failure?.message).toBe('b is not connected (add a connect step first)');
    const accepted = await run({ steps: [{ connect: { user: 'a', expect_refused: 'AUTH_INVALID' } }] });
    expect(firstFailure(accepted.steps)?.failure).toMatchObject({ expected: ['refused with AUTH_INVALID'], received: ['accepted'] });
  });

  it('an error where an ack was expected fails with the code and message', async () => {
    const r = await run({ steps: [{ connect: 'a' }, { send: { as: 'a', message: { type: 'user_message', payload: { content: '' } } } }] });
    expect(firstFailure(r.steps)?.failure?.message).toMatch(/^expected message_ack, received error VALIDATION_FAILED: /);
  });

  it('stops when aborted and closes its connections', async () => {
    const controller = new AbortController();
    const v = validateScenario({ flowscope: 1, name: 'abort', users: { a: {} }, steps: [{ connect: 'a' }, { sleep: 10_000 }, { connect: 'a' }] });
    if (!v.ok) throw new Error('invalid');
    const pending = runScenario(v.scenario, { target: backend.url, signal: controller.signal, onStepStart: (s) => s.kind === 'sleep' && controller.abort() });
    const r = await pending;
    expect(r.status).toBe('failed');
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'failed', 'skipped']);
    expect(r.steps[1]?.failure?.message).toBe('stopped');
  });
  it('raw JSON text is correlated by its own message_id; a user_message of exactly 8192 bytes gets its ack by default', async () => {
    const r = await run({
      steps: [
        { connect: { user: 'a', transport: 'ws' } },
        { send: { as: 'a', raw: '{"type":"user_message","message_id":"raw-{{run.id}}","payload":{"content":"What is 1 + 1?"}}', save_as: 'r1' } },
        { send: { as: 'a', oversize_bytes: 8192, save_as: 'r2' } },
        { send: { as: 'a', raw: '{"type":"user_message","payload":{"content":"no id of mine"}}', save_as: 'r3' } },
        { send: { as: 'a', oversize_bytes: 8193, expect: { error: 'MESSAGE_TOO_LARGE' } } },
        { expect_run: { user: 'a', run: '{{r1.run_id}}', response: { $contains: '2' } } },
        { expect_count: { user: 'a', match: { type: 'agent_completed' }, count: { $gte: 1 }, within_ms: 0 } },
        { expect_count: { user: 'a', match: { type: 'message_ack' }, count: 3 } },
        { expect_run: { user: 'a', run: '{{r3.run_id}}' } },
      ],
    });
    expect(firstFailure(r.steps)?.failure).toBeUndefined();
    expect(r.steps[2]?.title).toMatch(/^send user_message of 8192 bytes as a → ack run /);
    expect(r.steps[3]?.title).toMatch(/^send raw text \(\d+ bytes\) as a → ack run run_/);
  });

  it('expect_count fails with the count and the matching envelopes', async () => {
    const r = await run({
      steps: [
        { connect: 'a' },
        { send: { as: 'a', message: { type: 'ping' } } },
        { expect_count: { user: 'a', match: { type: 'pong' }, count: 2, within_ms: 50 } },
      ],
    });
    expect(firstFailure(r.steps)?.failure).toMatchObject({ message: 'a received 1 matching envelope(s), expected 2', expected: ['count: 2'] });
  });

  it('expect_close_code checks the /ws close code of a refusal', async () => {
    const ok = await run({ steps: [{ connect: { user: 'a', transport: 'ws', token: 'expired', expect_refused: 'AUTH_EXPIRED', expect_close_code: 4401 } }] });
    expect(ok.status).toBe('passed');
    const wrong = await run({
      steps: [{ connect: { user: 'a', transport: 'ws', token: 'malformed', expect_refused: 'AUTH_INVALID', expect_close_code: 4403 } }],
    });
    expect(firstFailure(wrong.steps)?.failure).toMatchObject({ expected: ['close code 4403'], received: ['close code 4401'] });
  });
  it('vars are templates too; save_as without a reply to wait for is refused, not ignored', async () => {
    const r = await run(
      {
        vars: { question: 'What is {{env.N}} * 7?', who: '{{user.a.id}}' },
        steps: [
          { connect: 'a' },
          { send: { as: 'a', message: { type: 'user_message', payload: { content: '{{question}}' } }, save_as: 'r1' } },
          { expect_run: { user: 'a', run: '{{r1.run_id}}', payloads: { agent_started: { input: 'What is 6 * 7?' } }, response: { $contains: 42 } } },
          { send: { as: 'a', message: { type: 'cancel_run', payload: { run_id: '{{r1.run_id}}' } }, save_as: 'nothing' } },
        ],
      },
      { N: '6' },
    );
    expect(r.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'failed']);
    expect(r.steps[3]?.failure?.message).toBe(
      'save_as needs a reply to wait for, but a cancel_run gets none by default: set expect (ack, pong or {error: CODE})',
    );
  });

  it('{{user.a.token}} before a token exists is an error, not an empty string', async () => {
    const r = await run({ steps: [{ set: { t: '{{user.a.token}}' } }] });
    expect(firstFailure(r.steps)?.failure?.message).toMatch(/^\{\{user\.a\.token\}\}: "user\.a\.token" is not defined/);
  });

  it('a wait notices at once when the server closes the connection under it', async () => {
    const dir2 = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-runner-2-'));
    const doomed = await startBackend({ host: '127.0.0.1', port: 0, dataDir: dir2, quiet: true });
    const v = validateScenario({
      flowscope: 1,
      name: 'server goes away',
      users: { a: {} },
      steps: [{ connect: { user: 'a', transport: 'ws' } }, { wait: { user: 'a', match: { type: 'never' }, timeout_ms: 20_000 } }],
    });
    if (!v.ok) throw new Error('invalid');
    const started = performance.now();
    const r = await runScenario(v.scenario, {
      target: doomed.url,
      WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      onStepStart: (s) => void (s.kind === 'wait' && doomed.close()),
    });
    await fs.rm(dir2, { recursive: true, force: true });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(firstFailure(r.steps)?.failure?.message).toMatch(/^a's connection closed while waiting: nothing matching arrived/);
  });
  it('two parallel waits for the same pattern need two envelopes', async () => {
    const r = await run({
      steps: [
        { connect: 'a' },
        { send: { as: 'a', message: { type: 'user_message', payload: { content: 'What is 1 + 1?' } } } },
        {
          parallel: [
            [{ wait: { user: 'a', match: { type: 'agent_completed' }, timeout_ms: 3000 } }],
            [{ wait: { user: 'a', match: { type: 'agent_completed' }, timeout_ms: 3000 } }],
          ],
        },
      ],
    });
    const branches = r.steps[2]?.children?.map((b) => b.status);
    expect(branches?.sort()).toEqual(['failed', 'passed']);
  });

  it('an error for unreadable text goes to that send, not to the next message; a ping without an id gets its pong', async () => {
    const r = await run({
      steps: [
        { connect: { user: 'a', transport: 'ws' } },
        { send: { as: 'a', raw: '{not json' } },
        { send: { as: 'a', message: { type: 'user_message', payload: { content: 'What is 2 + 2?' } }, save_as: 'r1' } },
        { send: { as: 'a', raw: '{"type":"ping"}' } },
        { send: { as: 'a', raw: '{also not json', expect: { error: 'INVALID_JSON' } } },
        { expect_run: { user: 'a', run: '{{r1.run_id}}' } },
      ],
    });
    expect(firstFailure(r.steps)?.failure).toBeUndefined();
    expect(r.steps[3]?.title).toMatch(/→ pong$/);
  });

  it('a wait on a connection the server already closed fails at once', async () => {
    const dir2 = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-runner-3-'));
    const doomed = await startBackend({ host: '127.0.0.1', port: 0, dataDir: dir2, quiet: true });
    const v = validateScenario({
      flowscope: 1,
      name: 'closed before the wait',
      users: { a: {} },
      steps: [{ connect: { user: 'a', transport: 'ws' } }, { sleep: 500 }, { wait: { user: 'a', match: { type: 'never' }, timeout_ms: 15_000 } }],
    });
    if (!v.ok) throw new Error('invalid');
    const started = performance.now();
    const r = await runScenario(v.scenario, {
      target: doomed.url,
      WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      onStepStart: (s) => void (s.kind === 'sleep' && doomed.close()),
    });
    await fs.rm(dir2, { recursive: true, force: true });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(firstFailure(r.steps)?.failure?.message).toMatch(/^a's connection is closed: nothing matching arrived/);
  });

  it('Stop reaches a token request that never answers', async () => {
    const { createServer } = await import('node:http');
    const hanging = createServer((req, res) => {
      if (req.url === '/health') res.end('{"status":"ok"}');
      // /api/dev/token: never answered
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hanging.address() as { port: number }).port}`;
    const v = validateScenario({ flowscope: 1, name: 'hang', users: { a: {} }, steps: [{ connect: 'a' }] });
    if (!v.ok) throw new Error('invalid');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('scenario timed out after 300 ms')), 300);
    const started = performance.now();
    const result = await runScenario(v.scenario, { target: url, signal: controller.signal });
    hanging.closeAllConnections();
    hanging.close();
    expect(performance.now() - started).toBeLessThan(5000);
    expect(firstFailure(result.steps)?.failure?.message).toMatch(/scenario timed out after 300 ms/);
  });
  it('leaves no listener on a signal it shares with other runs (flowscope load reuses one)', async () => {
    const shared = new AbortController();
    const v = validateScenario({
      flowscope: 1,
      name: 'listeners',
      users: { a: {}, b: {} },
      steps: [
        { connect: 'a' },
        { connect: { user: 'b', token: 'expired', expect_refused: 'AUTH_EXPIRED' } },
        { sleep: 5 },
        { send: { as: 'a', message: { type: 'ping' } } },
      ],
    });
    if (!v.ok) throw new Error('invalid');
    for (let i = 0; i < 3; i++) {
      const r = await runScenario(v.scenario, { target: backend.url, signal: shared.signal });
      expect(r.status).toBe('passed');
    }
    expect(getEventListeners(shared.signal, 'abort')).toHaveLength(0);
  });
});
