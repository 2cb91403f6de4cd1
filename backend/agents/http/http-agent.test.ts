import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { createHttpAgent, type HttpAgentOptions } from './http-agent.ts';
import { HttpAgentConfigError, HttpAgentError } from './http-agent-errors.ts';
import { closedPort, DONE_TOOL, EXEC, ndjson, recordedContext, SUCCEEDED, THINK, useAgentServers } from './agent-test-server.ts';

const serve = useAgentServers();

/** Runs the agent once; returns the result or the error it failed with, and the events. */
async function runOnce(options: Omit<HttpAgentOptions, 'name'> & { name?: string }) {
  const run = recordedContext();
  const agent = createHttpAgent({ name: 'mine', ...options });
  try {
    const result = await agent.run(run.context);
    await run.context.settle('ended');
    return { result, error: undefined, events: run.events };
  } catch (error) {
    await run.context.settle('ended');
    return { result: undefined, error: error as HttpAgentError, events: run.events };
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeSlowly(res: http.ServerResponse, text: string, bytesPerWrite: number): Promise<void> {
  const all = Buffer.from(text, 'utf8');
  for (let i = 0; i < all.length; i += bytesPerWrite) {
    res.write(all.subarray(i, i + bytesPerWrite));
    await sleep(1);
  }
  res.end();
}

describe('createHttpAgent: a run', () => {
  it('POSTs the run as JSON and relays the NDJSON events in order, returning response and usage', async () => {
    const server = await serve((_req, res) =>
      ndjson(res, [THINK, EXEC, DONE_TOOL, { type: 'agent_completed', payload: { ...SUCCEEDED.payload, usage: { input_tokens: 5, output_tokens: 7 } } }]),
    );
    const run = recordedContext({
      history: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    });
    const agent = createHttpAgent({ name: 'mine', url: server.url, headers: { 'X-Api-Key': 'k1' } });
    expect(agent.description).toBe(`Agent over HTTP at ${server.url}`);
    const result = await agent.run(run.context);
    expect(result).toEqual({ response: '3 words', usage: { input_tokens: 5, output_tokens: 7 } });
    expect(run.events).toEqual([
      { type: 'agent_thinking', payload: { thought: 'counting words', step: 1 } },
      { type: 'tool_executing', payload: EXEC.payload },
      { type: 'tool_completed', payload: DONE_TOOL.payload },
    ]);

    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/run');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers.accept).toBe('application/x-ndjson');
    expect(request?.headers['x-api-key']).toBe('k1');
    const body = request?.body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['run_id', 'thread_id', 'user_id', 'agent', 'input', 'history', 'tools']);
    expect(body).toMatchObject({
      run_id: 'run-1',
      thread_id: 'thread-1',
      user_id: 'user-1',
      agent: 'mine',
      input: { content: 'count a b c' },
      history: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
    });
    const tools = body.tools as Array<{ name: string; description: string; parameters: { type: string } }>;
    expect(tools.map((tool) => tool.name)).toEqual(['calculator', 'clock', 'search_docs']);
    for (const tool of tools) {
      expect(tool.description).not.toBe('');
      expect(tool.parameters.type).toBe('object');
    }
  });

  it('reads lines cut anywhere (UTF-8 characters too), CRLF, blank lines and a last line without LF', async () => {
    const thought = 'grübeln über ✓ 𝄞 日本語';
    const text =
      '\r\n' +
      JSON.stringify({ type: 'agent_thinking', payload: { thought, step: 1 } }) +
      '\r\n\r\n   \n' +
      [EXEC, DONE_TOOL].map((line) => JSON.stringify(line)).join('\r\n') +
      '\r\n' +
      JSON.stringify({ type: 'agent_completed', payload: { status: 'succeeded', response: 'fertig ✓', error: null } });
    for (const bytesPerWrite of [1, 7]) {
      const server = await serve(async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        await writeSlowly(res, text, bytesPerWrite);
      });
      const { result, error, events } = await runOnce({ url: server.url });
      expect(error).toBeUndefined();
      expect(result).toEqual({ response: 'fertig ✓' });
      expect(events.map((event) => event.type)).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
      expect(events[0]?.payload).toEqual({ thought, step: 1 });
    }
  });

  it('sends URL credentials as Basic auth and never shows them', async () => {
    const server = await serve((_req, res) => ndjson(res, [SUCCEEDED]));
    const url = server.url.replace('http://', 'http://alice:s%3Acret@');
    const agent = createHttpAgent({ name: 'mine', url });
    expect(agent.description).toBe(`Agent over HTTP at ${server.url}`);
    const { result } = await runOnce({ url });
    expect(result).toEqual({ response: '3 words' });
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from('alice:s:cret').toString('base64')}`);
  });

  it('relays each line as it arrives, not when the response ends', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(THINK)}\n`);
      await gate;
      res.end(`${JSON.stringify(SUCCEEDED)}\n`);
    });
    const run = recordedContext();
    const done = createHttpAgent({ name: 'mine', url: server.url }).run(run.context);
    while (run.events.length === 0) await sleep(5);
    expect(run.events.map((event) => event.type)).toEqual(['agent_thinking']);
    release();
    expect(await done).toEqual({ response: '3 words' });
  });
});

describe('createHttpAgent: failures end the run with an error that says which', () => {
  const cases: Array<{ name: string; lines: Array<object | string>; code: string; error: string | RegExp; relayed: number }> = [
    {
      name: 'a line that is not JSON',
      lines: [THINK, '{"type": "tool_executing", oops}'],
      code: 'invalid_line',
      error: /^http agent 'mine': line 2 is invalid: not JSON \(/,
      relayed: 1,
    },
    {
      name: 'a payload that breaks the wire schema (with its path)',
      lines: [THINK, { type: 'tool_executing', payload: { tool: 'x', call_id: 'c1', args: [1] } }],
      code: 'invalid_line',
      error: "http agent 'mine': line 2 is invalid: payload.args: Invalid input: expected record, received array",
      relayed: 1,
    },
    {
      name: 'an event type the agent may not send',
      lines: [{ type: 'agent_started', payload: { agent: 'mine', input: 'x' } }],
      code: 'invalid_line',
      error:
        'http agent \'mine\': line 1 is invalid: type must be one of agent_thinking, tool_executing, tool_completed, agent_completed (got "agent_started")',
      relayed: 0,
    },
    {
      name: 'a stream that ends without agent_completed',
      lines: [THINK, EXEC, DONE_TOOL],
      code: 'no_completion',
      error: "http agent 'mine': the response ended after line 3 and no agent_completed",
      relayed: 3,
    },
    {
      name: 'an empty 200 answer',
      lines: [],
      code: 'no_completion',
      error: "http agent 'mine': the response ended without any line and no agent_completed",
      relayed: 0,
    },
    {
      name: 'a line after agent_completed',
      lines: [THINK, SUCCEEDED, '', THINK],
      code: 'after_completion',
      error: "http agent 'mine': line 4 comes after agent_completed (line 2), which must be the last line",
      relayed: 1,
    },
    {
      name: 'agent_completed failed (the agent’s own error)',
      lines: [THINK, { type: 'agent_completed', payload: { status: 'failed', response: null, error: 'model unavailable' } }],
      code: 'agent_failed',
      error: "http agent 'mine': model unavailable",
      relayed: 1,
    },
    {
      name: 'a tool_completed without its tool_executing',
      lines: [THINK, DONE_TOOL],
      code: 'protocol_violation',
      error: "http agent 'mine': line 2: tool_completed for call id 'c1' without an open tool_executing",
      relayed: 1,
    },
    {
      name: 'a reused call id',
      lines: [EXEC, DONE_TOOL, EXEC],
      code: 'protocol_violation',
      error: "http agent 'mine': line 3: call id 'c1' was already used in this run",
      relayed: 2,
    },
    {
      name: 'agent_completed succeeded with a call still open',
      lines: [EXEC, SUCCEEDED],
      code: 'protocol_violation',
      error: "http agent 'mine': line 2: agent_completed while tool call 'c1' (word_count) is still open",
      relayed: 1,
    },
  ];

  for (const testCase of cases) {
    it(testCase.name, async () => {
      const server = await serve((_req, res) => ndjson(res, testCase.lines));
      const { error, events } = await runOnce({ url: server.url });
      expect(error).toBeInstanceOf(HttpAgentError);
      expect(error?.code).toBe(testCase.code);
      if (typeof testCase.error === 'string') expect(error?.message).toBe(testCase.error);
      else expect(error?.message).toMatch(testCase.error);
      expect(events.slice(0, testCase.relayed).map((event) => event.type)).toEqual(
        testCase.lines.slice(0, testCase.relayed).map((line) => (line as { type: string }).type),
      );
      expect(events.filter((event) => event.type !== 'tool_completed' || event.payload.error !== 'ended')).toHaveLength(testCase.relayed);
    });
  }

  it('a line over 1 MiB', async () => {
    const huge = { type: 'agent_thinking', payload: { thought: 'x'.repeat(1024 * 1024), step: 2 } };
    const server = await serve((_req, res) => ndjson(res, [THINK, huge, SUCCEEDED]));
    const { error, events } = await runOnce({ url: server.url });
    expect(error?.code).toBe('invalid_line');
    expect(error?.message).toBe("http agent 'mine': line 2 is longer than 1048576 bytes");
    expect(events).toHaveLength(1);
  });

  it('a non-2xx answer: status and the first 200 characters of the body', async () => {
    const body = `<html>\n  <h1>Internal   error</h1>${'z'.repeat(500)}`;
    const server = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end(body);
    });
    const { error } = await runOnce({ url: server.url });
    expect(error?.code).toBe('http_status');
    const shown = `<html> <h1>Internal error</h1>${'z'.repeat(500)}`.slice(0, 200);
    expect(error?.message).toBe(`http agent 'mine': POST ${server.url} answered 500 Internal Server Error: ${shown}…`);

    const empty = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    expect((await runOnce({ url: empty.url })).error?.message).toBe(`http agent 'mine': POST ${empty.url} answered 404 Not Found: (empty body)`);

    const redirect = await serve((_req, res) => {
      res.writeHead(302, { location: '/elsewhere' });
      res.end('moved');
    });
    expect((await runOnce({ url: redirect.url })).error?.message).toBe(`http agent 'mine': POST ${redirect.url} answered 302 Found: moved`);
  });

  it('connection refused, naming the URL without credentials', async () => {
    const port = await closedPort();
    const { error } = await runOnce({ url: `http://bob:hunter2@127.0.0.1:${port}/run?token=abc` });
    expect(error?.code).toBe('connection');
    expect(error?.message).toBe(`http agent 'mine': cannot reach http://127.0.0.1:${port}/run: connection refused (ECONNREFUSED)`);
  });

  it('a connection that breaks mid-answer', async () => {
    const server = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(THINK)}\n`);
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const { error, events } = await runOnce({ url: server.url });
    expect(error?.code).toBe('connection');
    expect(error?.message).toMatch(new RegExp(`^http agent 'mine': the connection to ${server.url} broke after line 1: `));
    expect(events).toHaveLength(1);
  });

  it('idle timeout: before the response, and between lines', async () => {
    const silent = await serve(() => undefined);
    const before = await runOnce({ url: silent.url, idleTimeoutMs: 150 });
    expect(before.error?.code).toBe('idle_timeout');
    expect(before.error?.message).toBe("http agent 'mine': no bytes for 150 ms before the response headers (idle timeout)");

    const stalls = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(THINK)}\n`);
    });
    const between = await runOnce({ url: stalls.url, idleTimeoutMs: 150 });
    expect(between.error?.message).toBe("http agent 'mine': no bytes for 150 ms after line 1 (idle timeout)");
    expect(between.events).toHaveLength(1);
    await stalls.clientGone;

    const lingers = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(SUCCEEDED)}\n`);
    });
    const after = await runOnce({ url: lingers.url, idleTimeoutMs: 150 });
    expect(after.error?.message).toBe("http agent 'mine': no bytes for 150 ms after agent_completed (the response did not end) (idle timeout)");
  });

  it('total timeout, while the agent keeps sending', async () => {
    const server = await serve(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (let step = 1; step < 1000 && !res.destroyed; step += 1) {
        res.write(`${JSON.stringify({ type: 'agent_thinking', payload: { thought: 'still here', step } })}\n`);
        await sleep(20);
      }
    });
    const { error, events } = await runOnce({ url: server.url, idleTimeoutMs: 200, timeoutMs: 300 });
    expect(error?.code).toBe('timeout');
    expect(error?.message).toBe("http agent 'mine': no complete answer within 300 ms (total timeout)");
    expect(events.length).toBeGreaterThan(2);
    await server.clientGone;
  });

  it('cancel aborts the request at once and rethrows the signal reason', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify(THINK)}\n`);
    });
    const run = recordedContext();
    const done = createHttpAgent({ name: 'mine', url: server.url }).run(run.context);
    while (run.events.length === 0) await sleep(5);
    run.abort.abort('cancelled by user');
    await expect(done).rejects.toBe('cancelled by user');
    // The agent saw its connection close (the 60 s idle timeout had nothing to do with it).
    await server.clientGone;

    // Aborted before it started: no request at all.
    const early = recordedContext();
    early.abort.abort('already');
    await expect(createHttpAgent({ name: 'mine', url: server.url }).run(early.context)).rejects.toBe('already');
    expect(server.requests).toHaveLength(1);
  });
});

describe('createHttpAgent: options are checked at construction', () => {
  const bad = (options: Partial<HttpAgentOptions>): string => {
    try {
      createHttpAgent({ name: 'mine', url: 'http://127.0.0.1:9/run', ...options } as HttpAgentOptions);
    } catch (err) {
      expect(err).toBeInstanceOf(HttpAgentConfigError);
      return (err as Error).message;
    }
    throw new Error('no error');
  };

  it('rejects a bad name, URL, timeout or header with a message naming it', () => {
    expect(bad({ name: 'two words' })).toBe('http agent name "two words": 1-64 characters, no spaces');
    expect(bad({ url: 'ws://127.0.0.1/x' })).toBe(`http agent 'mine': "ws://127.0.0.1/x" is not an http or https URL`);
    expect(bad({ url: 'nope' })).toBe(`http agent 'mine': "nope" is not a URL`);
    expect(bad({ idleTimeoutMs: 0 })).toBe("http agent 'mine': idleTimeoutMs must be an integer from 1 to 300000 (got 0)");
    expect(bad({ idleTimeoutMs: 400_000 })).toMatch(/idleTimeoutMs must be an integer from 1 to 300000/);
    expect(bad({ timeoutMs: 1.5 })).toBe("http agent 'mine': timeoutMs must be an integer from 1 to 86400000 (got 1.5)");
    expect(bad({ headers: { 'bad header': 'x' } })).toBe(`http agent 'mine': invalid header name "bad header"`);
    expect(bad({ headers: { 'x-a': 'line\r\nbreak' } })).toBe("http agent 'mine': header 'x-a' must be a string without line breaks");
    expect(bad({ description: 5 as unknown as string })).toBe("http agent 'mine': description must be a string");
  });

  it('keeps a given description and defaults', () => {
    const agent = createHttpAgent({ name: 'mine', url: 'https://agents.example/run', description: 'My agent' });
    expect(agent).toMatchObject({ name: 'mine', description: 'My agent' });
  });
});
