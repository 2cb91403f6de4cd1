/**
 * The llm agent against hostile upstreams (issue 17, defects 5 and 8): answers, reasoning,
 * error bodies, stream lines and tool calls past their caps fail the run with a clear error
 * and cancel the request, however much the endpoint would send. Caps are small here (64 KB)
 * so the tests stay small; the defaults are checked in llm-options.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LlmRunError } from './llm-errors.ts';
import { ToolCallAssembler } from './tool-call-assembler.ts';
import { failureOf, startRun } from '../../../test/support/llm-run-harness.ts';
import { chunk, textReply, type StreamEvent } from '../../../test/support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../../../test/support/openai-server-suite.ts';

const { server, agentWith } = useOpenAiCompatibleServer();

const CAP = 64 * 1024;
const KB = 'x'.repeat(1024);
/** The most an endless reply may send in these tests before it stops by itself. */
const ENDLESS_LIMIT = 32 * 1024 * 1024;

function codeOf(error: unknown): string | undefined {
  return error instanceof LlmRunError ? error.code : undefined;
}

describe('llm agent: capped answers', () => {
  it('fails a 1 MB answer past a 64 KB cap', async () => {
    server.enqueue(textReply('y'.repeat(1024 * 1024), { fragments: 256 }));
    const { message, error } = await failureOf(agentWith({ maxAnswerChars: CAP }));
    expect(codeOf(error)).toBe('LLM_ANSWER_TOO_LONG');
    expect(message).toBe(
      `the model's answer passed ${CAP} characters, the most a turn may stream (maxAnswerChars, LLM_MAX_ANSWER_CHARS); the request was cancelled`,
    );
  });

  it('stops a never-ending answer at the cap: the endpoint sees the request cancelled', async () => {
    server.enqueue({ kind: 'endless', head: [chunk({ role: 'assistant', content: '' })], event: () => chunk({ content: KB }), maxBytes: ENDLESS_LIMIT });
    const { error } = await failureOf(agentWith({ maxAnswerChars: CAP }));
    expect(codeOf(error)).toBe('LLM_ANSWER_TOO_LONG');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
    // What was sent before the hang-up: the cap's worth of chunks plus what the sockets buffer.
    expect(server.requests[0]?.bytesSent).toBeLessThan(ENDLESS_LIMIT / 2);
  });

  it('stops never-ending reasoning at its cap', async () => {
    server.enqueue({ kind: 'endless', event: () => chunk({ reasoning_content: KB }), maxBytes: ENDLESS_LIMIT });
    const { message, error, run } = await failureOf(agentWith({ maxReasoningChars: CAP }));
    expect(codeOf(error)).toBe('LLM_REASONING_TOO_LONG');
    expect(message).toContain(`reasoning passed ${CAP} characters`);
    expect(message).toContain('LLM_MAX_REASONING_CHARS');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
    expect(server.requests[0]?.bytesSent).toBeLessThan(ENDLESS_LIMIT / 2);
    expect(JSON.stringify(run.events).length).toBeLessThan(CAP);
  });

  it('keeps only the start of long reasoning for its thought', async () => {
    server.enqueue(textReply('done', { reasoning: 'r'.repeat(40_000) }));
    const run = startRun(agentWith({ maxReasoningChars: CAP }));
    expect((await run.done).ok).toBe(true);
    const long = run.thoughts().find((t) => t.startsWith('rrr'));
    expect(long?.length).toBe(16_000);
    expect(long?.endsWith('…')).toBe(true);
  });

  it('fails a stream line that never ends (one SSE line past what the caps allow), cancelling the request', async () => {
    const head: StreamEvent = { raw: 'data: {"id":"x","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"' };
    server.enqueue({ kind: 'endless', head: [head], event: () => ({ raw: KB }), maxBytes: ENDLESS_LIMIT });
    const { message, error } = await failureOf(agentWith({ maxAnswerChars: CAP, maxReasoningChars: CAP }));
    expect(codeOf(error)).toBe('LLM_STREAM');
    expect(message).toBe(`LLM endpoint sent a stream line longer than ${6 * CAP + 64 * 1024} bytes (the answer and reasoning caps allow no more)`);
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
    expect(server.requests[0]?.bytesSent).toBeLessThan(ENDLESS_LIMIT / 2);
  });

  it('reads at most 4 KB of an error body, however large, and hangs up on the rest', async () => {
    const bytes = 32 * 1024 * 1024;
    server.enqueue({ kind: 'huge-error', status: 400, bytes, fill: 'too large ' });
    const { message, error } = await failureOf(agentWith({ maxRetries: 0 }));
    expect(codeOf(error)).toBe('LLM_HTTP_STATUS');
    expect(message).toMatch(/^LLM endpoint answered 400 Bad Request: (too large ?)+…$/);
    expect(message.length).toBeLessThan(400);
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
    expect(server.requests[0]?.bytesSent).toBeLessThan(bytes / 2);
  });
});

describe('llm agent: tool calls per turn', () => {
  it('fails a turn past maxToolCallsPerTurn (index-less calls, never-ending), cancelling the request', async () => {
    server.enqueue({
      kind: 'endless',
      head: [chunk({ role: 'assistant', content: null })],
      event: (n) => chunk({ tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: 'clock', arguments: '{}' } }] }),
      maxBytes: ENDLESS_LIMIT,
    });
    const { message, error, run } = await failureOf(agentWith({ maxToolCallsPerTurn: 128 }));
    expect(codeOf(error)).toBe('LLM_TOO_MANY_TOOL_CALLS');
    expect(message).toBe(
      'the model made more than 128 tool calls in one turn, the most a turn may make (maxToolCallsPerTurn, LLM_MAX_TOOL_CALLS_PER_TURN); the request was cancelled',
    );
    expect(run.types()).not.toContain('tool_executing');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
  });

  it('counts tool-call arguments in the answer cap', async () => {
    server.enqueue({
      kind: 'endless',
      head: [
        chunk({ role: 'assistant', content: null }),
        chunk({ tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'clock', arguments: '' } }] }),
      ],
      event: () => chunk({ tool_calls: [{ index: 0, function: { arguments: KB } }] }),
      maxBytes: ENDLESS_LIMIT,
    });
    const { error } = await failureOf(agentWith({ maxAnswerChars: CAP }));
    expect(codeOf(error)).toBe('LLM_ANSWER_TOO_LONG');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
  });

  it('assembles 50,000 index-less calls in linear time (quadratic took minutes)', () => {
    const calls = new ToolCallAssembler();
    for (let n = 0; n < 50_000; n += 1) {
      calls.add([{ id: `call_${n}`, function: { name: 'clock', arguments: '{' } }]);
      calls.add([{ function: { arguments: '}' } }]);
    }
    expect(calls.size).toBe(50_000);
    const finished = calls.finish(1, new Set());
    expect(finished[0]).toEqual({ id: 'call_0', name: 'clock', argumentsText: '{}' });
    expect(finished[49_999]).toEqual({ id: 'call_49999', name: 'clock', argumentsText: '{}' });
  }, 10_000);
});
