import { describe, expect, it } from 'vitest';
import type { RunEventEnvelope } from '../../protocol/index.ts';
import { otlpProblems, flattenSpans, attributes, type OtlpRequest } from '../../test/support/otlp-receiver.ts';
import { FlowscopeAttr, GenAiAttr, traceOptionsFromEnv } from './genai-attributes.ts';
import { liveTracesWanted, sdkSettingsFromEnv, tracesUrl } from './live-traces.ts';
import { otlpJson, spanIdOf, traceIdOf } from './otlp-file.ts';
import { errorTypeOf, runSpans, type RunInfo } from './run-spans.ts';

const t = (ms: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, 0, ms)).toISOString();
const base = { run_id: 'run_1', thread_id: 'th_1', user_id: 'u1' };
let seq = 0;
const ev = (ms: number, type: RunEventEnvelope['type'], payload: unknown): RunEventEnvelope =>
  ({ ...base, seq: ++seq, timestamp: t(ms), type, payload }) as RunEventEnvelope;

function llmRun(): RunEventEnvelope[] {
  seq = 0;
  return [
    ev(10, 'agent_started', { agent: 'llm', input: 'secret question' }),
    ev(11, 'agent_thinking', { thought: 'Asking gpt-x (turn 1 of at most 8)', step: 1 }),
    ev(50, 'tool_executing', { tool: 'calculator', call_id: 'c1', args: { expression: '1+1' } }),
    ev(60, 'tool_completed', { tool: 'calculator', call_id: 'c1', ok: true, result: { value: 2 }, duration_ms: 9 }),
    ev(61, 'agent_thinking', { thought: 'Asking gpt-x (turn 2 of at most 8) with 1 tool result', step: 2 }),
    ev(62, 'tool_executing', { tool: 'search', call_id: 'c2', args: { q: 'x' } }),
    ev(90, 'agent_completed', { status: 'interrupted', response: null, error: 'LLM_TIMEOUT: the model took too long', duration_ms: 80 }),
  ];
}
const info: RunInfo = { id: 'run_1', threadId: 'th_1', agent: 'llm', status: 'interrupted', createdAt: t(4), priority: 'normal' };

describe('runSpans', () => {
  it('maps an llm run: chat spans per turn, tools under the run, an unfinished call, error.type from the code, no content by default', () => {
    const spans = runSpans(info, llmRun(), traceOptionsFromEnv({}));
    expect(spans.map((s) => [s.name, s.parentKey ?? null, s.kind, s.status.code])).toEqual([
      ['invoke_agent llm', null, 'internal', 'error'],
      ['chat gpt-x', 'run', 'client', 'unset'],
      ['execute_tool calculator', 'run', 'internal', 'ok'],
      ['chat gpt-x', 'run', 'client', 'unset'],
      ['execute_tool search', 'run', 'internal', 'error'],
    ]);
    const [root, chat1, calc, chat2, search] = spans;
    expect(root?.attributes).toMatchObject({
      [GenAiAttr.SYSTEM]: 'flowscope',
      [GenAiAttr.ERROR_TYPE]: 'LLM_TIMEOUT',
      [FlowscopeAttr.QUEUE_WAIT_MS]: 6,
      [FlowscopeAttr.RUN_PRIORITY]: 'normal',
    });
    expect(root?.attributes[GenAiAttr.PROVIDER_NAME]).toBeUndefined();
    expect([chat1?.startMs, chat1?.endMs]).toEqual([Date.parse(t(11)), Date.parse(t(50))]);
    expect([chat2?.startMs, chat2?.endMs]).toEqual([Date.parse(t(61)), Date.parse(t(62))]);
    // A run that ends inside a model turn: that chat span carries the run's error.
    const inTurn = runSpans(
      info,
      llmRun().filter((e) => e.type !== 'tool_executing' || e.payload.call_id !== 'c2'),
      traceOptionsFromEnv({}),
    );
    expect(inTurn.at(-1)).toMatchObject({ name: 'chat gpt-x', status: { code: 'error' }, attributes: { [GenAiAttr.ERROR_TYPE]: 'LLM_TIMEOUT' } });
    expect(calc?.attributes).toMatchObject({ [GenAiAttr.TOOL_CALL_ID]: 'c1', [FlowscopeAttr.TOOL_REPORTED_MS]: 9 });
    expect(search?.attributes[GenAiAttr.ERROR_TYPE]).toBe('unfinished');
    expect(search?.endMs).toBe(Date.parse(t(90)));
    // content capture is off: no arguments, results, messages or thought text
    const all = spans.flatMap((s) => [...Object.keys(s.attributes), ...s.events.flatMap((e) => Object.keys(e.attributes))]);
    for (const key of [
      GenAiAttr.TOOL_CALL_ARGUMENTS,
      GenAiAttr.TOOL_CALL_RESULT,
      GenAiAttr.INPUT_MESSAGES,
      GenAiAttr.OUTPUT_MESSAGES,
      FlowscopeAttr.THINKING_TEXT,
    ])
      expect(all).not.toContain(key);
    expect(chat1?.events.map((e) => e.attributes[FlowscopeAttr.THINKING_STEP])).toEqual([1]);
  });

  it('a run cancelled while queued is one span from its acceptance, without error', () => {
    seq = 0;
    const spans = runSpans(
      { ...info, agent: 'assistant', status: 'cancelled' },
      [ev(30, 'agent_completed', { status: 'cancelled', response: null, error: 'The run was cancelled before it started.', duration_ms: 0 })],
      traceOptionsFromEnv({}),
    );
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({ name: 'invoke_agent assistant', status: { code: 'unset' } });
    expect(spans[0]?.attributes[GenAiAttr.ERROR_TYPE]).toBeUndefined();
  });

  it('reads error.type and the options from the environment', () => {
    expect(errorTypeOf('failed', 'order 7 does not exist')).toBe('_OTHER');
    expect(errorTypeOf('interrupted', null)).toBe('interrupted');
    expect(
      traceOptionsFromEnv({
        OTEL_SEMCONV_STABILITY_OPT_IN: 'http, gen_ai_latest_experimental',
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'SPAN_ONLY',
      }),
    ).toEqual({ semconv: 'latest', captureContent: true });
    expect(liveTracesWanted({})).toBe(false);
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' })).toBe('http://c:4318/v1/traces');
    expect(tracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/x' })).toBe('http://t/x');
    expect(liveTracesWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://x/v1/traces' })).toBe(true);
    expect(liveTracesWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(sdkSettingsFromEnv({ OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' })).toEqual({
      batch: { scheduledDelayMillis: 50 },
      sampler: { kind: 'ratio', ratio: 0.25 },
    });
  });
});

describe('otlpJson', () => {
  it('writes well-formed OTLP/JSON with ids derived from the run, and content when asked', () => {
    const run = {
      ...info,
      userId: 'u1',
      messageId: 'm1',
      input: { content: 'secret question', agent: 'llm' },
      response: null,
      error: null,
      startedAt: t(10),
      endedAt: t(90),
      ownerId: null,
      priority: 'normal' as const,
    };
    const text = otlpJson([{ run, events: llmRun() }], { semconv: 'latest', captureContent: true });
    const body = JSON.parse(text) as OtlpRequest;
    expect(otlpProblems(body)).toEqual([]);
    const spans = flattenSpans(body);
    expect(spans[0]?.resource['service.name']).toBe('flowscope');
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceIdOf('run_1')]));
    expect(spans[0]?.spanId).toBe(spanIdOf('run_1', 'run'));
    expect(spans.slice(1).every((s) => s.parentSpanId === spanIdOf('run_1', 'run'))).toBe(true);
    expect(attributes(spans[0]?.attributes)[GenAiAttr.PROVIDER_NAME]).toBe('flowscope');
    expect(attributes(spans[2]?.attributes)[GenAiAttr.TOOL_CALL_ARGUMENTS]).toBe('{"expression":"1+1"}');
    expect(JSON.parse(String(attributes(spans[0]?.attributes)[GenAiAttr.INPUT_MESSAGES]))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'secret question' }] },
    ]);
    expect(spans[1]?.events?.[0]).toMatchObject({ name: 'flowscope.agent.thinking', timeUnixNano: String(Date.parse(t(11)) * 1e6) });
    expect(otlpJson([{ run, events: llmRun() }], { semconv: 'latest', captureContent: true })).toBe(text);
  });
});
