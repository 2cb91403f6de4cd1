import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLlmAgent } from './llm-agent.ts';
import { LlmOptionsError } from './llm-options.ts';
import { failureOf, runToEnd } from '../../../test/support/llm-run-harness.ts';
import { chunk, errorReply, textReply, toolCallReply, type RecordedRequest } from '../../../test/support/openai-compatible-server.ts';
import { SECRET_FRAGMENT_CHARS } from '../secret-redaction.ts';
import { useOpenAiCompatibleServer } from '../../../test/support/openai-server-suite.ts';

const KEY = 'sk-flowscope-SECRET-key-0123456789abcdef';

const { server } = useOpenAiCompatibleServer({ requireRepliesUsed: false });
afterEach(() => {
  vi.restoreAllMocks();
});

/** Everything the console methods were asked to print while `fn` ran. */
async function printedDuring(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      original(...args);
    });
  }
  await fn();
  return lines.join('\n');
}

describe('llm agent: the API key never leaves it', () => {
  it('sends the key to the endpoint only, and redacts it from every event, error and answer', async () => {
    const printed = await printedDuring(async () => {
      // An endpoint that echoes the key everywhere it can: reasoning, tool-call preamble, answer, errors.
      server.enqueue(
        toolCallReply([{ id: 'k1', name: 'calculator', arguments: '{"expression":"1+1"}' }], { reasoning: `my key is ${KEY}`, content: `calling with ${KEY}` }),
        textReply(`the key was ${KEY}`, { reasoning: `still ${KEY}` }),
      );
      const agent = createLlmAgent({ model: 'm', baseURL: server.baseURL, apiKey: KEY });
      const { result, run } = await runToEnd(agent);
      expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
      expect(result.response).toBe('the key was [redacted]');
      expect(JSON.stringify(run.events)).not.toContain(KEY);
      expect(JSON.stringify(run.events)).toContain('[redacted]');

      const errors: string[] = [];
      server.enqueue(
        errorReply(401, `Incorrect API key provided: ${KEY}.`),
        errorReply(500, `broken for ${KEY}`, { headers: { 'retry-after-ms': '1' } }),
        errorReply(500, `broken for ${KEY}`, { headers: { 'retry-after-ms': '1' } }),
        errorReply(500, `broken for ${KEY}`, { headers: { 'retry-after-ms': '1' } }),
        { kind: 'stream', events: [{ chunk: { error: { message: `mid-stream ${KEY}` } } }] },
        { kind: 'stall', events: [chunk({ content: KEY })] },
      );
      for (const options of [{}, {}, {}, { idleTimeoutMs: 100 }]) {
        const failed = await failureOf(createLlmAgent({ model: 'm', baseURL: server.baseURL, apiKey: KEY, ...options }));
        errors.push(failed.message, String((failed.error as Error).stack), JSON.stringify(failed.run.events));
      }
      expect(errors[0]).toBe('LLM endpoint answered 401 Unauthorized: Incorrect API key provided: [redacted].');
      for (const text of errors) expect(text).not.toContain(KEY);
    });
    expect(printed).not.toContain(KEY);
  });

  it('redacts the key an endpoint echoes in tool-call ids, names and arguments, and cut short in answers, reasoning and errors', async () => {
    /** The key as the endpoint received it. */
    const keyOf = (request: RecordedRequest): string => String(request.headers.authorization).replace(/^Bearer /, '');
    server.enqueue(
      {
        kind: 'from-request',
        reply: (request) =>
          toolCallReply([
            { id: keyOf(request), name: 'calculator', arguments: JSON.stringify({ expression: keyOf(request) }) },
            { id: `c_${keyOf(request).slice(5, 25)}`, name: keyOf(request).slice(0, -2), arguments: '{}' },
          ]),
      },
      { kind: 'from-request', reply: (request) => textReply(`cut: ${keyOf(request).slice(0, -3)}`, { reasoning: `almost ${keyOf(request).slice(0, -1)}` }) },
      { kind: 'from-request', reply: (request) => errorReply(400, `Incorrect API key provided: ${keyOf(request).slice(0, -4)}****`) },
    );
    const leaks = (text: string): string[] => {
      const found: string[] = [];
      for (let at = 0; at + SECRET_FRAGMENT_CHARS <= KEY.length; at += 1)
        if (text.includes(KEY.slice(at, at + SECRET_FRAGMENT_CHARS))) found.push(KEY.slice(at, at + SECRET_FRAGMENT_CHARS));
      return found;
    };
    const agent = createLlmAgent({ model: 'm', baseURL: server.baseURL, apiKey: KEY, maxRetries: 0 });
    const { result, run } = await runToEnd(agent);
    const executing = run.events.filter((e) => e.type === 'tool_executing').map((e) => e.payload);
    expect(executing).toEqual([
      { tool: 'calculator', call_id: '[redacted]', args: { expression: '[redacted]' } },
      { tool: '[redacted]', call_id: 'c_[redacted]', args: {} },
    ]);
    expect(result.response).toBe('cut: [redacted]');
    expect(leaks(JSON.stringify(run.events))).toEqual([]);
    // The model is still told the results under the ids it gave.
    const toolMessages = (server.requests[1]?.body?.messages as Array<{ role: string; tool_call_id?: string }>).filter((m) => m.role === 'tool');
    expect(toolMessages.map((m) => m.tool_call_id)).toEqual([KEY, `c_${KEY.slice(5, 25)}`]);

    const failed = await failureOf(agent);
    expect(failed.message).toBe('LLM endpoint answered 400 Bad Request: Incorrect API key provided: [redacted]****');
    expect(leaks(`${failed.message} ${String((failed.error as Error).stack)} ${JSON.stringify(failed.run.events)}`)).toEqual([]);
  });

  it('refuses a base URL with credentials without echoing them', () => {
    const url = new URL(server.baseURL);
    url.username = 'user';
    url.password = 'hunter2-password';
    expect(() => createLlmAgent({ model: 'm', baseURL: url.toString() })).toThrow(
      `llm agent: baseURL must not carry a user name or password (${server.baseURL}): give the key as apiKey`,
    );
  });

  it('never echoes the key in an option error', () => {
    const bad = `${KEY}\nX-Injected: 1`;
    let caught: unknown;
    try {
      createLlmAgent({ model: 'm', apiKey: bad });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(LlmOptionsError);
    expect((caught as Error).message).toBe('llm agent: apiKey must not contain spaces, tabs or line breaks');
    expect(String((caught as Error).stack)).not.toContain(KEY);
  });
});
