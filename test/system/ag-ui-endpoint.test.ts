/**
 * Flowscope as an AG-UI endpoint, checked by the protocol's own client: @ag-ui/client's
 * HttpAgent (its verifyEvents enforces the lifecycle) runs a Flowscope-hosted agent that
 * calls tools, to completion, through a real backend; every event validates against
 * @ag-ui/core's EventSchema; the client's threadId maps to one Flowscope thread per user; a
 * stream is resumed after a seq with Last-Event-ID; bad requests get clear error codes.
 */
import { HttpAgent, type BaseEvent } from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Agent } from '../../backend/agents/agent-types.ts';
import { SseParser } from '../../backend/agents/ag-ui/sse-parser.ts';
import { aguiThreadId } from '../../backend/http/agui-routes.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';

/** Thinks, calls the calculator twice in parallel, answers with the sum. */
const calcAgent: Agent = {
  name: 'calc',
  description: 'Adds with the calculator.',
  async run(ctx) {
    await ctx.think(`Computing for: ${ctx.input.content} (${ctx.history.length} earlier messages)`);
    const [a, b] = await Promise.all([ctx.callTool('calculator', { expression: '2+3' }), ctx.callTool('calculator', { expression: '10*4' })]);
    const value = (outcome: typeof a) => (outcome.result as { value: number }).value;
    return { response: `2+3=${value(a)} and 10*4=${value(b)}`, usage: { input_tokens: 3, output_tokens: 4 } };
  },
};

/** Thinks, then waits until cancelled. */
const slowAgent: Agent = {
  name: 'slow',
  description: 'Waits for its cancel.',
  async run(ctx) {
    await ctx.think('waiting');
    await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true }));
    return { response: 'never' };
  },
};

let test: TestBackend;
let token: string;
beforeAll(async () => {
  test = await startTestBackend({ agents: [calcAgent, slowAgent] });
  token = await test.backend.mintToken('alice');
});
afterAll(async () => {
  await test.close();
});

function input(threadId: string, runId: string, content: string) {
  return { threadId, runId, state: {}, messages: [{ id: `${runId}-u`, role: 'user', content }], tools: [], context: [], forwardedProps: {} };
}

/** Reads an SSE response to its end: the data of each event with its id. */
async function readSse(response: Response): Promise<Array<{ id: string | undefined; event: BaseEvent }>> {
  const parser = new SseParser(1024 * 1024);
  const out: Array<{ id: string | undefined; event: BaseEvent }> = [];
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    for (const sse of parser.push(chunk)) out.push({ id: sse.id, event: JSON.parse(sse.data) as BaseEvent });
  }
  return out;
}

describe('POST /agui/:agent', () => {
  it("@ag-ui/client's HttpAgent runs a Flowscope agent with tool calls to completion; every event is valid AG-UI", async () => {
    const agent = new HttpAgent({ url: `${test.backend.url}/agui/calc`, headers: { Authorization: `Bearer ${token}` }, threadId: 'client-thread-1' });
    agent.addMessage({ id: 'u1', role: 'user', content: 'add some numbers' });
    const events: BaseEvent[] = [];
    const result = await agent.runAgent({ runId: 'client-run-1' }, { onEvent: ({ event }) => void events.push(event) });
    for (const event of events) expect(() => EventSchema.parse(event)).not.toThrow();
    const types = events.map((e) => e.type as string);
    expect(types[0]).toBe('RUN_STARTED');
    expect(types.at(-1)).toBe('RUN_FINISHED');
    expect(events[0]).toMatchObject({ threadId: 'client-thread-1', runId: 'client-run-1' });
    expect(types).toContain('REASONING_MESSAGE_CONTENT');
    expect(types.filter((t) => t === 'TOOL_CALL_START')).toHaveLength(2);
    expect(types.filter((t) => t === 'TOOL_CALL_RESULT')).toHaveLength(2);
    const starts = events.filter((e) => e.type === 'TOOL_CALL_START') as Array<BaseEvent & { toolCallName: string }>;
    expect(starts.map((s) => s.toolCallName)).toEqual(['calculator', 'calculator']);
    const finished = events.at(-1) as BaseEvent & { usage?: unknown; result?: unknown };
    expect(finished.usage).toEqual([{ inputTokens: 3, outputTokens: 4, totalTokens: 7 }]);
    expect(result.result).toEqual({ response: '2+3=5 and 10*4=40' });
    const answer = agent.messages.find((m) => m.role === 'assistant' && typeof m.content === 'string' && m.content.includes('2+3=5'));
    expect(answer?.content).toBe('2+3=5 and 10*4=40');
    expect(agent.messages.filter((m) => m.role === 'tool')).toHaveLength(2);

    // The same client thread again: the same Flowscope thread, and the agent sees the first turn.
    agent.addMessage({ id: 'u2', role: 'user', content: 'again' });
    const second: BaseEvent[] = [];
    await agent.runAgent({ runId: 'client-run-2' }, { onEvent: ({ event }) => void second.push(event) });
    const thought = second.find((e) => e.type === 'REASONING_MESSAGE_CONTENT') as BaseEvent & { delta: string };
    expect(thought.delta).toBe('Computing for: again (2 earlier messages)');
    const threads = (await (await fetch(`${test.backend.url}/api/threads`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      threads: Array<{ id: string; message_count: number }>;
    };
    const thread = threads.threads.find((t) => t.id === aguiThreadId('alice', 'client-thread-1'));
    expect(thread?.message_count).toBe(2);
  });

  it('streams `id: <seq>` and resumes with Last-Event-ID on GET /agui/runs/:runId', async () => {
    const response = await fetch(`${test.backend.url}/agui/calc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify(input('resume-thread', 'r-1', 'resume me')),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const runId = response.headers.get('x-flowscope-run-id') as string;
    const all = await readSse(response);
    expect(all[0]?.id).toBe('1');
    const ids = [...new Set(all.map((e) => Number(e.id)))];
    expect(ids).toEqual([1, 2, 3, 4, 5, 6, 7]);

    // With the client's ids the resumed events are the very events the first stream sent after seq 2
    // (message ids derive from the runId: a client continues the messages it holds).
    const resumed = await fetch(`${test.backend.url}/agui/runs/${runId}?thread_id=resume-thread&run_id=r-1`, {
      headers: { authorization: `Bearer ${token}`, 'last-event-id': '2' },
    });
    expect(resumed.status).toBe(200);
    const tail = await readSse(resumed);
    const expected = all.filter((e) => Number(e.id) > 2);
    expect(tail).toEqual(expected);
    expect(tail.at(-1)?.event).toMatchObject({ type: 'RUN_FINISHED', threadId: 'resume-thread', runId: 'r-1' });
    // Without them: the Flowscope ids.
    const plain = await readSse(await fetch(`${test.backend.url}/agui/runs/${runId}`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': '6' } }));
    expect(plain.at(-1)?.event).toMatchObject({ type: 'RUN_FINISHED', runId, threadId: aguiThreadId('alice', 'resume-thread') });

    // After the last event: the stream ends at once, empty.
    const done = await fetch(`${test.backend.url}/agui/runs/${runId}`, { headers: { authorization: `Bearer ${token}`, 'last-event-id': '7' } });
    expect(await readSse(done)).toEqual([]);
  });

  it("keeps users apart: another user's same threadId is another thread, and their runs are not found", async () => {
    const bobToken = await test.backend.mintToken('bob');
    const response = await fetch(`${test.backend.url}/agui/calc`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(input('client-thread-1', 'b-1', 'bob here')),
    });
    const bobThread = response.headers.get('x-flowscope-thread-id');
    const bobRun = response.headers.get('x-flowscope-run-id') as string;
    await readSse(response);
    expect(bobThread).toBe(aguiThreadId('bob', 'client-thread-1'));
    expect(bobThread).not.toBe(aguiThreadId('alice', 'client-thread-1'));
    const asAlice = await fetch(`${test.backend.url}/agui/runs/${bobRun}`, { headers: { authorization: `Bearer ${token}` } });
    expect(asAlice.status).toBe(404);
  });

  it('a run cancelled with cancel_run (here over /ws) ends the stream with RUN_ERROR FLOWSCOPE_CANCELLED', async () => {
    const response = await fetch(`${test.backend.url}/agui/slow`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(input('slow-thread', 's-1', 'wait')),
    });
    const runId = response.headers.get('x-flowscope-run-id') as string;
    const reading = readSse(response);
    const ws = await openWs('');
    await new Promise((resolve) => setTimeout(resolve, 200));
    ws.ws.send(JSON.stringify({ type: 'cancel_run', payload: { run_id: runId } }));
    const events = await reading;
    ws.ws.close();
    expect(events[0]?.event.type).toBe('RUN_STARTED');
    expect(events.at(-1)?.event).toMatchObject({ type: 'RUN_ERROR', code: 'FLOWSCOPE_CANCELLED' });
  });

  it('answers bad requests with error codes', async () => {
    const post = (path: string, body: unknown, auth = true) =>
      fetch(`${test.backend.url}${path}`, {
        method: 'POST',
        headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const noToken = await post('/agui/calc', input('t', 'r', 'x'), false);
    expect(noToken.status).toBe(401);
    const unknown = await post('/agui/nope', input('t', 'r', 'x'));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string; message: string } }).error.message).toContain('Unknown agent "nope"');
    const invalid = await post('/agui/calc', { threadId: 't', messages: 'no' });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; message: string; details: { issues: unknown[] } } };
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('not a valid AG-UI RunAgentInput');
    const noUser = await post('/agui/calc', { ...input('t', 'r', 'x'), messages: [{ id: 'a', role: 'assistant', content: 'hi' }] });
    expect(noUser.status).toBe(400);
    const other = await fetch(`${test.backend.url}/agui/runs/run_nope`, { headers: { authorization: `Bearer ${token}` } });
    expect(other.status).toBe(404);
  });
});

interface AguiFrame {
  type: string;
  run_id?: string;
  seq?: number;
  events?: BaseEvent[];
  payload?: { run_id?: string; code?: string };
}

/** A raw WebSocket on /ws with `query`, collecting parsed frames. */
async function openWs(
  query: string,
): Promise<{ ws: WebSocket; frames: AguiFrame[]; closed: Promise<number>; until(match: (f: AguiFrame) => boolean): Promise<AguiFrame> }> {
  const ws = new WebSocket(`${test.backend.url.replace('http', 'ws')}/ws?token=${token}${query}`);
  const frames: AguiFrame[] = [];
  const waiters: Array<{ match: (f: AguiFrame) => boolean; resolve: (f: AguiFrame) => void }> = [];
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as AguiFrame;
    frames.push(frame);
    for (const waiter of waiters.splice(0)) {
      if (waiter.match(frame)) waiter.resolve(frame);
      else waiters.push(waiter);
    }
  });
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  return {
    ws,
    frames,
    closed,
    until: (match) => {
      const found = frames.find(match);
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}

const endsStream = (f: AguiFrame) => f.type === 'ag_ui' && (f.events ?? []).some((e) => e.type === 'RUN_FINISHED' || e.type === 'RUN_ERROR');

describe('/ws?events=ag-ui', () => {
  it('sends each run event as an ag_ui frame of valid AG-UI events, resumable with after_seq', async () => {
    const live = await openWs('&events=ag-ui');
    live.ws.send(JSON.stringify({ type: 'user_message', message_id: 'w1', payload: { content: 'over ws', agent: 'calc' } }));
    const ack = await live.until((f) => f.type === 'message_ack');
    const runId = ack.payload?.run_id as string;
    await live.until(endsStream);
    const runFrames = live.frames.filter((f) => f.type === 'ag_ui' && f.run_id === runId);
    expect(runFrames.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const events = runFrames.flatMap((f) => f.events ?? []);
    for (const event of events) expect(() => EventSchema.parse(event)).not.toThrow();
    expect(events[0]?.type).toBe('RUN_STARTED');
    expect(events.at(-1)?.type).toBe('RUN_FINISHED');
    live.ws.close();

    const again = await openWs('&events=ag-ui');
    again.ws.send(JSON.stringify({ type: 'resume', payload: { run_id: runId, after_seq: 4 } }));
    await again.until(endsStream);
    const replayed = again.frames.filter((f) => f.type === 'ag_ui');
    expect(replayed.map((f) => f.seq)).toEqual([5, 6, 7]);
    expect(replayed.map((f) => f.events)).toEqual(runFrames.slice(4).map((f) => f.events));
    again.ws.close();
  });

  it('refuses an unknown events value with VALIDATION_FAILED and close 1008', async () => {
    const bad = await openWs('&events=xml');
    expect(await bad.closed).toBe(1008);
    expect(bad.frames[0]).toMatchObject({ type: 'error', payload: { code: 'VALIDATION_FAILED' } });
  });
});

describe('POST /agui/:agent under the per-user rate limit', () => {
  it('counts each run as a message of the user (the sockets share the budget): over it, 429 RATE_LIMITED with Retry-After', async () => {
    const limited = await startTestBackend({ agents: [calcAgent], rateLimitMessages: 2, rateLimitWindowMs: 60_000 });
    try {
      const bob = await limited.backend.mintToken('bob');
      const post = (n: number) =>
        fetch(`${limited.backend.url}/agui/calc`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bob}`, 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify(input('rl-thread', `rl-run-${n}`, `message ${n}`)),
        });
      for (const n of [1, 2]) {
        const ok = await post(n);
        expect(ok.status).toBe(200);
        expect((await readSse(ok)).at(-1)?.event.type).toBe('RUN_FINISHED');
      }
      const refused = await post(3);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('RATE_LIMITED');
      expect(error.message).toMatch(/More than 2 messages in 60000 ms; retry in \d+ ms\./);
    } finally {
      await limited.close();
    }
  });
});
