/**
 * OpenTelemetry GenAI traces end to end: a backend started with OTEL_EXPORTER_OTLP_ENDPOINT
 * sends each run's spans through the OpenTelemetry SDK to an OTLP/HTTP receiver this test
 * starts; the same runs exported as OTLP/JSON files (GET /api/runs/:id/export, and per thread)
 * have the same spans. Checked: the OTLP JSON structure, the conventions' names, parent/child
 * links and status for a succeeded llm run (chat spans, two tool calls, usage), a failed run,
 * a cancelled run and parallel tool calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../../backend/agents/agent-types.ts';
import { FlowscopeAttr, GenAiAttr } from '../../backend/traces/genai-attributes.ts';
import { startHarness, type Harness, type TestClient } from '../support/backend-harness.ts';
import { textReply, toolCallReply } from '../support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../support/openai-server-suite.ts';
import { attributes, flattenSpans, otlpProblems, startOtlpReceiver, type OtlpReceiver, type OtlpRequest, type ReceivedSpan } from '../support/otlp-receiver.ts';

const KNOWN = new Set<string>([...Object.values(GenAiAttr), ...Object.values(FlowscopeAttr)]);
const INTERNAL = 1;
const CLIENT = 3;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

/** Two tool calls at once: the second starts before the first ends. */
const parallelAgent: Agent = {
  name: 'parallel',
  description: 'Calls two tools at once (test agent).',
  async run(ctx) {
    await Promise.all([
      ctx.simulateTool('slow_lookup', { id: 1 }, { result: { id: 1 }, delayMs: 120 }),
      ctx.simulateTool('fast_lookup', { id: 2 }, { result: { id: 2 }, delayMs: 20 }),
    ]);
    return { response: 'both done' };
  },
};

const { server, agentWith } = useOpenAiCompatibleServer({ resetAfterEach: false, requireRepliesUsed: false });
let receiver: OtlpReceiver;
let h: Harness;
let c: TestClient;
const saved: Record<string, string | undefined> = {};
const ENV = {
  OTEL_EXPORTER_OTLP_ENDPOINT: '',
  OTEL_BSP_SCHEDULE_DELAY: '50',
  OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental',
  OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
  OTEL_SERVICE_NAME: 'flowscope-otel-test',
};

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  ENV.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.endpoint;
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  h = await startHarness({ agents: [agentWith(), parallelAgent] });
  c = await h.client('otel-user');
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function send(payload: Record<string, unknown>, threadId?: string): Promise<{ run_id: string; thread_id: string }> {
  const messageId = `m-${Math.random().toString(36).slice(2)}`;
  c.send({ type: 'user_message', message_id: messageId, ...(threadId ? { thread_id: threadId } : {}), payload });
  const ack = await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { message_id: string }).message_id === messageId);
  return ack.payload as { run_id: string; thread_id: string };
}

/** The live spans of a run (its root names the run id), once the root and `count` spans arrived. */
async function liveSpans(runId: string, count: number): Promise<ReceivedSpan[]> {
  const traceOf = (spans: ReceivedSpan[]) => spans.find((s) => attributes(s.attributes)[FlowscopeAttr.RUN_ID] === runId)?.traceId;
  const all = await receiver.waitFor((spans) => {
    const trace = traceOf(spans);
    return trace !== undefined && spans.filter((s) => s.traceId === trace).length >= count;
  });
  return all.filter((s) => s.traceId === traceOf(all));
}

async function fileSpans(path: string): Promise<{ spans: ReceivedSpan[]; body: OtlpRequest; headers: Headers }> {
  const token = await h.backend.mintToken('otel-user');
  const res = await fetch(`${h.backend.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as OtlpRequest;
  return { spans: flattenSpans(body), body, headers: res.headers };
}

function tree(spans: ReceivedSpan[]) {
  const root = spans.find((s) => !s.parentSpanId);
  if (!root) throw new Error('no root span');
  const children = spans.filter((s) => s !== root);
  for (const s of children) expect(s.parentSpanId, `${s.name}'s parent`).toBe(root.spanId);
  for (const s of spans) expect(s.traceId).toBe(root.traceId);
  for (const s of spans) for (const a of s.attributes) expect(KNOWN.has(a.key), `unknown attribute ${a.key}`).toBe(true);
  return { root, children, attrs: attributes(root.attributes) };
}

/** Name, kind, parent (root or not), status and attributes, for comparing the live and the file spans of a run. */
function shape(spans: ReceivedSpan[]) {
  return spans
    .map((s) => ({
      name: s.name,
      kind: s.kind,
      root: !s.parentSpanId,
      status: s.status?.code ?? 0,
      attributes: attributes(s.attributes),
      events: (s.events ?? []).map((e) => e.name),
    }))
    .map((s) => {
      const { [FlowscopeAttr.DELIVERY_LAG_MS]: _lag, ...rest } = s.attributes;
      return { ...s, attributes: rest };
    })
    .sort((a, b) => `${a.name}${JSON.stringify(a.attributes)}`.localeCompare(`${b.name}${JSON.stringify(b.attributes)}`));
}

describe('OpenTelemetry GenAI traces', () => {
  it('a succeeded llm run: invoke_agent with usage, a chat span per model turn, execute_tool per call; live and file agree', async () => {
    server.enqueue(
      toolCallReply(
        [
          { id: 'call_a', name: 'calculator', arguments: '{"expression":"6*7"}' },
          { id: 'call_b', name: 'calculator', arguments: '{"expression":"2+2"}' },
        ],
        { usage: { prompt_tokens: 40, completion_tokens: 12 } },
      ),
      textReply('42 and 4', { usage: { prompt_tokens: 60, completion_tokens: 6 } }),
    );
    const { run_id, thread_id } = await send({ content: 'What is 6*7 and 2+2?', agent: 'llm' });
    await c.runEvents(run_id);
    const live = await liveSpans(run_id, 5);
    expect(receiver.requests[0]?.contentType).toMatch(/^application\/json/);
    for (const r of receiver.requests) expect(otlpProblems(r.body)).toEqual([]);
    const { root, children, attrs } = tree(live);
    expect(root.name).toBe('invoke_agent llm');
    expect(root.kind).toBe(INTERNAL);
    expect(root.status?.code).toBe(STATUS_OK);
    expect(root.resource['service.name']).toBe('flowscope-otel-test');
    expect(root.scope).toBe('flowscope');
    expect(attrs).toMatchObject({
      [GenAiAttr.OPERATION_NAME]: 'invoke_agent',
      [GenAiAttr.PROVIDER_NAME]: 'flowscope',
      [GenAiAttr.AGENT_NAME]: 'llm',
      [GenAiAttr.CONVERSATION_ID]: thread_id,
      [GenAiAttr.USAGE_INPUT_TOKENS]: 100,
      [GenAiAttr.USAGE_OUTPUT_TOKENS]: 18,
      [FlowscopeAttr.RUN_ID]: run_id,
      [FlowscopeAttr.RUN_STATUS]: 'succeeded',
      [FlowscopeAttr.DELIVERY_EVENTS]: 8,
    });
    expect(attrs[GenAiAttr.SYSTEM]).toBeUndefined();
    expect(attrs[FlowscopeAttr.QUEUE_WAIT_MS]).toEqual(expect.any(Number));
    expect(JSON.parse(String(attrs[GenAiAttr.OUTPUT_MESSAGES]))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: '42 and 4' }], finish_reason: 'stop' },
    ]);
    const chats = children.filter((s) => s.name === 'chat test-model');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.kind).toBe(CLIENT);
      expect(attributes(chat.attributes)).toMatchObject({
        [GenAiAttr.OPERATION_NAME]: 'chat',
        [GenAiAttr.REQUEST_MODEL]: 'test-model',
        [GenAiAttr.PROVIDER_NAME]: 'openai',
      });
      expect(chat.events?.map((e) => e.name)).toContain('flowscope.agent.thinking');
    }
    const tools = children.filter((s) => s.name === 'execute_tool calculator');
    expect(tools.map((t) => attributes(t.attributes)[GenAiAttr.TOOL_CALL_ID]).sort()).toEqual(['call_a', 'call_b']);
    for (const t of tools) {
      expect(t.status?.code).toBe(STATUS_OK);
      expect(attributes(t.attributes)).toMatchObject({
        [GenAiAttr.OPERATION_NAME]: 'execute_tool',
        [GenAiAttr.TOOL_NAME]: 'calculator',
        [GenAiAttr.TOOL_TYPE]: 'function',
      });
      expect(String(attributes(t.attributes)[GenAiAttr.TOOL_CALL_ARGUMENTS])).toMatch(/expression/);
      expect(String(attributes(t.attributes)[GenAiAttr.TOOL_CALL_RESULT])).toMatch(/value/);
    }

    const file = await fileSpans(`/api/runs/${run_id}/export?format=otlp`);
    expect(otlpProblems(file.body)).toEqual([]);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${run_id}.otlp.json"`);
    expect(shape(file.spans)).toEqual(shape(live));
    const again = await fileSpans(`/api/runs/${run_id}/export`);
    expect(again.spans.map((s) => [s.traceId, s.spanId])).toEqual(file.spans.map((s) => [s.traceId, s.spanId]));
    // Live and file are one trace: the same trace and span ids, so an imported file does not duplicate it.
    const ids = (spans: Array<{ name: string; traceId: string; spanId: string; parentSpanId?: string }>) =>
      spans.map((s) => `${s.name} ${s.traceId} ${s.spanId} ${s.parentSpanId ?? ''}`).sort();
    expect(ids(live)).toEqual(ids(file.spans));
  });

  it('a failed run: the run span has status ERROR and error.type; its completed tool stays OK', async () => {
    const { run_id } = await send({
      content: 'fail',
      agent: 'scripted',
      script: [{ tool: 'lookup_order', args: { id: 7 }, result: { found: false } }, { fail_run: 'order 7 does not exist' }],
    });
    await c.runEvents(run_id);
    const live = await liveSpans(run_id, 2);
    const { root, children, attrs } = tree(live);
    expect(root.name).toBe('invoke_agent scripted');
    expect(root.status).toMatchObject({ code: STATUS_ERROR, message: 'order 7 does not exist' });
    expect(attrs[GenAiAttr.ERROR_TYPE]).toBe('_OTHER');
    expect(attrs[FlowscopeAttr.RUN_STATUS]).toBe('failed');
    expect(children.map((s) => [s.name, s.status?.code])).toEqual([['execute_tool lookup_order', STATUS_OK]]);
    expect(shape((await fileSpans(`/api/runs/${run_id}/export?format=otlp`)).spans)).toEqual(shape(live));
  });

  it('a cancelled run: no error on the run, the interrupted tool call ends with ERROR under it', async () => {
    const { run_id } = await send({
      content: 'slow',
      agent: 'scripted',
      script: [{ tool: 'slow_tool', args: {}, result: {}, delay_ms: 10_000 }, { respond: 'never' }],
    });
    await c.waitFor((e) => e.type === 'tool_executing' && e.run_id === run_id);
    c.send({ type: 'cancel_run', payload: { run_id } });
    await c.runEvents(run_id);
    const live = await liveSpans(run_id, 2);
    const { root, children, attrs } = tree(live);
    expect(attrs[FlowscopeAttr.RUN_STATUS]).toBe('cancelled');
    expect(root.status?.code ?? 0).toBe(0);
    expect(attrs[GenAiAttr.ERROR_TYPE]).toBeUndefined();
    expect(children).toHaveLength(1);
    expect(children[0]?.name).toBe('execute_tool slow_tool');
    expect(children[0]?.status?.code).toBe(STATUS_ERROR);
    expect(BigInt(String(children[0]?.endTimeUnixNano))).toBeLessThanOrEqual(BigInt(String(root.endTimeUnixNano)));
  });

  it('parallel tool calls: sibling spans under the run that overlap in time; a thread exports all its runs', async () => {
    const first = await send({ content: 'both', agent: 'parallel' });
    await c.runEvents(first.run_id);
    const live = await liveSpans(first.run_id, 3);
    const { children } = tree(live);
    const slow = children.find((s) => s.name === 'execute_tool slow_lookup');
    const fast = children.find((s) => s.name === 'execute_tool fast_lookup');
    expect(slow && fast).toBeTruthy();
    const t = (v: string | number | undefined) => BigInt(String(v));
    // fast started before slow ended and ended before it: they overlap.
    expect(t(fast?.startTimeUnixNano) < t(slow?.endTimeUnixNano)).toBe(true);
    expect(t(fast?.endTimeUnixNano) < t(slow?.endTimeUnixNano)).toBe(true);

    const second = await send({ content: 'again', agent: 'parallel' }, first.thread_id);
    await c.runEvents(second.run_id);
    const thread = await fileSpans(`/api/threads/${first.thread_id}/export?format=otlp`);
    expect(otlpProblems(thread.body)).toEqual([]);
    const roots = thread.spans.filter((s) => !s.parentSpanId).map((s) => attributes(s.attributes)[FlowscopeAttr.RUN_ID]);
    expect(roots).toEqual([first.run_id, second.run_id]);
  });

  it("refuses an unknown format with the formats it has, and another user's run as not found", async () => {
    const { run_id } = await send({ content: 'What is 1+1?' });
    await c.runEvents(run_id);
    const token = await h.backend.mintToken('otel-user');
    const bad = await fetch(`${h.backend.url}/api/runs/${run_id}/export?format=zipkin`, { headers: { authorization: `Bearer ${token}` } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('otlp'),
    });
    const other = await h.backend.mintToken('someone-else');
    const hidden = await fetch(`${h.backend.url}/api/runs/${run_id}/export?format=otlp`, { headers: { authorization: `Bearer ${other}` } });
    expect(hidden.status).toBe(404);
  });
});
