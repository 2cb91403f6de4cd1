import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createLlmAgent } from './llm-agent.ts';
import { LlmRunError } from './llm-errors.ts';
import { failureOf, runToEnd, startRun } from '../../../test/support/llm-run-harness.ts';
import { chunk, errorReply, textReply } from '../../../test/support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../../../test/support/openai-server-suite.ts';

const { server, agentWith } = useOpenAiCompatibleServer();

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('llm agent: HTTP errors', () => {
  it("fails at once on a 401, naming the status and the endpoint's message", async () => {
    server.enqueue(errorReply(401, 'Incorrect API key provided.', { type: 'invalid_request_error', code: 'invalid_api_key' }));
    const { message, error } = await failureOf(agentWith());
    expect(message).toBe('LLM endpoint answered 401 Unauthorized: Incorrect API key provided.');
    expect(error).toBeInstanceOf(LlmRunError);
    expect((error as LlmRunError).code).toBe('LLM_HTTP_STATUS');
    expect(server.requests).toHaveLength(1);
  });

  it("reads the message of other servers' error shapes (Ollama, vLLM, FastAPI, plain text)", async () => {
    const cases: Array<[unknown, string]> = [
      [{ error: "model 'nope' not found, try pulling it first" }, "LLM endpoint answered 404 Not Found: model 'nope' not found, try pulling it first"],
      [
        { object: 'error', message: "This model's maximum context length is 4096 tokens.", type: 'BadRequestError', code: 400 },
        "LLM endpoint answered 400 Bad Request: This model's maximum context length is 4096 tokens.",
      ],
      [{ detail: 'Not authenticated' }, 'LLM endpoint answered 403 Forbidden: Not authenticated'],
      ['<html>\n<body>Bad gateway\nconfig</body>\n</html>', 'LLM endpoint answered 422 Unprocessable Entity: <html> <body>Bad gateway config</body> </html>'],
      ['', 'LLM endpoint answered 409 Conflict'],
    ];
    for (const [body, expected] of cases) {
      const status = Number(/answered (\d+)/.exec(expected)?.[1]);
      server.enqueue({ kind: 'error', status, body });
      const { message } = await failureOf(agentWith({ maxRetries: 0 }));
      expect(message).toBe(expected);
    }
  });

  it('retries a 429, honouring retry-after-ms and Retry-After, and says so', async () => {
    server.enqueue(
      errorReply(429, 'Rate limit reached.', { type: 'requests', headers: { 'retry-after-ms': '150' } }),
      errorReply(429, 'Rate limit reached.', { type: 'requests', headers: { 'retry-after': '1' } }),
      textReply('after the wait'),
    );
    const { result, run } = await runToEnd(agentWith());
    expect(result.response).toBe('after the wait');
    const [first, second, third] = server.requests;
    expect((second?.receivedAt ?? 0) - (first?.closedAt ?? 0)).toBeGreaterThanOrEqual(140);
    expect((third?.receivedAt ?? 0) - (second?.closedAt ?? 0)).toBeGreaterThanOrEqual(990);
    expect(run.thoughts()).toEqual([
      'Asking test-model (turn 1 of at most 8)',
      'LLM endpoint answered 429 Too Many Requests; retrying in 150 ms (retry 1 of 2)',
      'LLM endpoint answered 429 Too Many Requests; retrying in 1.0 s (retry 2 of 2)',
    ]);
  });

  it('retries 5xx with exponential backoff when the server names no wait', async () => {
    server.enqueue(errorReply(503, 'Overloaded', { type: 'server_error' }), textReply('recovered'));
    const { result, run } = await runToEnd(agentWith({ maxRetries: 1 }));
    expect(result.response).toBe('recovered');
    const [first, second] = server.requests;
    // 500 ms, less up to 25 % jitter.
    expect((second?.receivedAt ?? 0) - (first?.closedAt ?? 0)).toBeGreaterThanOrEqual(370);
    expect(run.thoughts()[1]).toMatch(/^LLM endpoint answered 503 Service Unavailable; retrying in (3[7-9]\d|4\d\d|500) ms \(retry 1 of 1\)$/);
  });

  it('fails after the last retry, saying how many attempts it made', async () => {
    const quick = { headers: { 'retry-after-ms': '5' }, type: 'server_error' };
    server.enqueue(errorReply(500, 'The server had an error.', quick), errorReply(502, 'Bad gateway', quick), errorReply(500, 'Still broken.', quick));
    const { message } = await failureOf(agentWith());
    expect(message).toBe('LLM endpoint answered 500 Internal Server Error (after 3 attempts): Still broken.');
    expect(server.requests).toHaveLength(3);
  });

  it('fails at once when the asked wait would outlast the total timeout', async () => {
    server.enqueue(errorReply(429, 'Slow down.', { headers: { 'retry-after': '120' } }));
    const { message } = await failureOf(agentWith({ timeoutMs: 10_000 }));
    expect(message).toBe(
      "LLM endpoint answered 429 Too Many Requests: Slow down. (it asked to retry after 120000 ms would outlast the run's total timeout: timeoutMs, LLM_TIMEOUT_MS)",
    );
  });

  it('retries a refused connection, then fails naming the endpoint', async () => {
    const port = await closedPort();
    const agent = createLlmAgent({ model: 'm', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 1 });
    const { message, run } = await failureOf(agent);
    expect(message).toBe(`could not reach LLM endpoint http://127.0.0.1:${port}/v1 (after 2 attempts): ECONNREFUSED`);
    expect(run.thoughts()[1]).toMatch(/^connection failed; retrying in/);
  });
});

describe('llm agent: broken streams', () => {
  it('fails on an error sent mid-stream', async () => {
    server.enqueue({ kind: 'stream', events: [chunk({ content: 'Hal' }), { chunk: { error: { message: 'The model crashed.', type: 'server_error' } } }] });
    const { message } = await failureOf(agentWith());
    expect(message).toBe('LLM endpoint sent an error mid-stream: The model crashed.');
    expect(server.requests).toHaveLength(1);
  });

  it('fails on a stream that ends before the model finished', async () => {
    server.enqueue({ kind: 'stream', events: [chunk({ content: 'Half an ans' })], done: false });
    const { message } = await failureOf(agentWith());
    expect(message).toBe('LLM stream ended before the model finished its turn (no finish_reason)');
  });

  it('fails on a chunk that is not JSON', async () => {
    server.enqueue({ kind: 'stream', events: [chunk({ content: 'ok' }), { raw: 'data: {not json\n\n' }] });
    const { message } = await failureOf(agentWith());
    expect(message).toBe('LLM endpoint sent a stream chunk that is not JSON');
  });
});

describe('llm agent: timeouts', () => {
  it('fails when the endpoint goes quiet mid-stream (idle timeout) and hangs up', async () => {
    server.enqueue({ kind: 'stall', events: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'Thinking' })] });
    const { message, error } = await failureOf(agentWith({ idleTimeoutMs: 200 }));
    expect(message).toBe('LLM endpoint sent nothing for 200 ms (idle timeout: idleTimeoutMs, LLM_IDLE_TIMEOUT_MS)');
    expect((error as LlmRunError).code).toBe('LLM_IDLE_TIMEOUT');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
  });

  it('counts waiting for the response head as idle too', async () => {
    server.enqueue({ kind: 'stall', head: false });
    const { message } = await failureOf(agentWith({ idleTimeoutMs: 150 }));
    expect(message).toMatch(/^LLM endpoint sent nothing for 150 ms/);
  });

  it('keeps a stream alive on SSE comments: idle means no bytes, not no chunks', async () => {
    const keepAlive = Array.from({ length: 8 }, () => [{ delayMs: 50 }, { comment: 'keep-alive' }]).flat();
    const reply = textReply('slow but alive');
    if (reply.kind !== 'stream') throw new Error('unexpected reply kind');
    server.enqueue({ ...reply, events: [...keepAlive, ...reply.events] });
    const { result } = await runToEnd(agentWith({ idleTimeoutMs: 200 }));
    expect(result.response).toBe('slow but alive');
  });

  it('fails when the run outlasts its total timeout, however busy the stream', async () => {
    const busy = Array.from({ length: 40 }, () => [{ delayMs: 50 }, { comment: 'still here' }]).flat();
    server.enqueue({ kind: 'stream', events: busy });
    const { message, error } = await failureOf(agentWith({ timeoutMs: 300, idleTimeoutMs: 200 }));
    expect(message).toBe('the llm run took longer than its total timeout of 300 ms (timeoutMs, LLM_TIMEOUT_MS)');
    expect((error as LlmRunError).code).toBe('LLM_TIMEOUT');
    await server.waitForClose(0);
    expect(server.requests[0]?.clientAborted).toBe(true);
  });

  it('bounds tool calls by the total timeout too', async () => {
    server.enqueue({
      kind: 'stream',
      events: [chunk({ tool_calls: [{ index: 0, id: 'slow', type: 'function', function: { name: 'slow', arguments: '{}' } }] }), chunk({}, 'tool_calls')],
    });
    const slow = {
      name: 'slow',
      description: 'Takes its time.',
      parameters: { type: 'object' as const },
      execute: (_args: Record<string, unknown>, signal: AbortSignal) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, 5000);
          signal.addEventListener('abort', () => clearTimeout(timer));
        }),
    };
    const { message, run } = await failureOf(agentWith({ timeoutMs: 300 }), { tools: new Map([['slow', slow]]) });
    expect(message).toMatch(/total timeout of 300 ms/);
    const completed = run.events.find((e) => e.type === 'tool_completed');
    expect(completed?.payload).toMatchObject({ call_id: 'slow', ok: false, error: 'the run ended before the call completed' });
  });
});

describe('llm agent: cancel and shutdown', () => {
  for (const reason of ['cancel', 'shutdown']) {
    it(`aborts the HTTP request at once on ${reason}`, async () => {
      server.enqueue({ kind: 'stall', events: [chunk({ role: 'assistant', content: '' })] });
      const controller = new AbortController();
      const run = startRun(agentWith(), { signal: controller.signal });
      await server.waitForRequests(1);
      const abortedAt = performance.now();
      controller.abort(reason);
      const outcome = await run.done;
      expect(outcome).toEqual({ ok: false, error: reason });
      const closedAt = await server.waitForClose(0);
      expect(server.requests[0]?.clientAborted).toBe(true);
      // The idle timeout is 60 s: only the abort can have closed it this soon.
      expect(closedAt - abortedAt).toBeLessThan(2000);
    });
  }

  it('stops a retry wait at once on cancel', async () => {
    server.enqueue(errorReply(429, 'Wait a minute.', { headers: { 'retry-after': '30' } }));
    const controller = new AbortController();
    const run = startRun(agentWith(), { signal: controller.signal });
    await server.waitForClose(0);
    // Wait for the retry thought, then cancel during the 30 s wait.
    while (!run.thoughts().some((t) => t.includes('retrying in 30.0 s'))) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    controller.abort('cancel');
    const outcome = await run.done;
    expect(outcome).toEqual({ ok: false, error: 'cancel' });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });
});
