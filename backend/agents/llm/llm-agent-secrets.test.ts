import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLlmAgent } from './llm-agent.ts';
import { LlmOptionsError } from './llm-options.ts';
import { failureOf, runToEnd } from '../../../test/support/llm-run-harness.ts';
import { chunk, errorReply, textReply, toolCallReply } from '../../../test/support/openai-compatible-server.ts';
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
