/**
 * The user's own agent behind the real server: an agent module loaded at start (the
 * example in examples/agents/module/), driven over Socket.IO, listed by GET /api/agents,
 * with parallel tool calls, thread history and a reload while the server runs.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentsResponse } from '../../protocol/index.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';

const EXAMPLE = path.resolve('examples/agents/module/trip-agent.ts');

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    agentModules: [EXAMPLE],
    agents: [
      {
        name: 'echo',
        description: 'Echoes the input with the usage it was given',
        run: (ctx) => Promise.resolve({ response: ctx.input.content, usage: { input_tokens: 2, output_tokens: 5 } }),
      },
    ],
  });
});
afterAll(() => h.close());

describe('an agent module behind the backend', () => {
  it('runs with parallel tool calls: both pairs whole, seq 1..n, persisted as emitted', async () => {
    const c = await h.client('trip-user');
    c.send({ type: 'user_message', payload: { content: 'Going to Oslo then Lisbon', agent: 'trip-planner' } });
    const ack = await c.waitFor((e) => e.type === 'message_ack');
    const runId = (ack.payload as { run_id: string }).run_id;
    const events = await c.runEvents(runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]).toMatchObject({ type: 'agent_started', payload: { agent: 'trip-planner', input: 'Going to Oslo then Lisbon' } });
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'tool_executing')).toHaveLength(2);
    // Both calls started before either completed: they ran in parallel.
    expect(types.slice(2, 4)).toEqual(['tool_executing', 'tool_executing']);
    const executing = events.filter((e) => e.type === 'tool_executing').map((e) => (e.payload as { call_id: string }).call_id);
    const completed = events.filter((e) => e.type === 'tool_completed').map((e) => (e.payload as { call_id: string }).call_id);
    expect(new Set(completed)).toEqual(new Set(executing));
    expect(events.at(-1)).toMatchObject({
      type: 'agent_completed',
      payload: { status: 'succeeded', response: expect.stringContaining('"city":"lisbon"') as string },
    });

    const stored = (await (
      await fetch(`${h.backend.url}/api/runs/${runId}/events`, { headers: { authorization: `Bearer ${await h.backend.mintToken('trip-user')}` } })
    ).json()) as { events: unknown[] };
    expect(stored.events).toEqual(events.map(({ at_ms: _, ...e }) => e));
  });

  it('gives the agent the thread history: the second turn still knows the first cities', async () => {
    const c = await h.client('history-user');
    c.send({ type: 'user_message', payload: { content: 'Trip to Paris', agent: 'trip-planner' } });
    const first = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string; thread_id: string };
    await c.runEvents(first.run_id);
    c.send({ type: 'user_message', thread_id: first.thread_id, payload: { content: 'and Tokyo', agent: 'trip-planner' } });
    const second = (await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { run_id: string }).run_id !== first.run_id)).payload as {
      run_id: string;
    };
    const events = await c.runEvents(second.run_id);
    const cities = events.filter((e) => e.type === 'tool_executing').map((e) => (e.payload as { args: { city: string } }).args.city);
    expect(cities.sort()).toEqual(['paris', 'tokyo']);
  });

  it('reports usage in agent_completed when the agent returns it', async () => {
    const c = await h.client('usage-user');
    c.send({ type: 'user_message', payload: { content: 'hi', agent: 'echo' } });
    const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string };
    const events = await c.runEvents(ack.run_id);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: 'hi', usage: { input_tokens: 2, output_tokens: 5 } });
  });

  it('lists every agent and tool on GET /api/agents (Bearer token)', async () => {
    const unauthorized = await fetch(`${h.backend.url}/api/agents`);
    expect(unauthorized.status).toBe(401);
    const res = await fetch(`${h.backend.url}/api/agents`, { headers: { authorization: `Bearer ${await h.backend.mintToken('lister')}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as AgentsResponse;
    expect(body.default_agent).toBe('assistant');
    expect(body.agents.map((a) => [a.name, a.source])).toEqual([
      ['assistant', 'builtin'],
      ['scripted', 'builtin'],
      ['tool-call', 'builtin'],
      ['echo', 'module'],
      ['trip-planner', 'module'],
    ]);
    expect(body.agents.find((a) => a.name === 'trip-planner')?.origin).toBe(EXAMPLE);
    expect(body.tools.map((t) => t.name)).toEqual(['calculator', 'clock', 'search_docs', 'weather']);
    expect(body.tools.find((t) => t.name === 'weather')?.parameters).toMatchObject({ type: 'object', required: ['city'] });
    for (const tool of body.tools) expect(tool.parameters.type).toBe('object');
  });

  it('refuses an unknown agent at reception, naming it', async () => {
    const c = await h.client('unknown-agent-user');
    c.send({ type: 'user_message', message_id: 'u1', payload: { content: 'x', agent: 'nope' } });
    const error = await c.waitFor((e) => e.type === 'error');
    expect(error.payload).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('flowscope serve --agent', () => {
  it('stops start-up with one line naming the file and the reason, exit code 1', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-bad-agent-'));
    fs.writeFileSync(path.join(dir, 'bad.ts'), "export default { name: 'bad agent', description: 'x', run() {} };\n");
    const result = spawnSync(process.execPath, ['bin/flowscope.js', 'serve', '--port', '0', '--data-dir', dir, '--agent', path.join(dir, 'bad.ts')], {
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, FLOWSCOPE_DEBUG: '' },
    });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      `flowscope: cannot start: agent module ${path.join(dir, 'bad.ts')}: invalid agent name "bad agent": 1-64 characters, no spaces`,
    );
    expect(result.stdout).not.toContain('listening');
  });
});
