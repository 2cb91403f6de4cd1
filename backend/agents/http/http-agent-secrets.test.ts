/**
 * An agent over HTTP (or a gateway in front of it) that echoes the headers Flowscope sends
 * it (AGENT_HEADERS values, URL credentials): nothing of them reaches the events, the
 * response or the error, whole or cut short (issue 17, defect 6).
 */
import { describe, expect, it } from 'vitest';
import { createHttpAgent } from './http-agent.ts';
import { ndjson, recordedContext, useAgentServers } from './agent-test-server.ts';
import { SECRET_FRAGMENT_CHARS } from '../secret-redaction.ts';

const TOKEN = 'fs-agent-token-9f8e7d6c5b4a3210ZYXW';
const PASSWORD = 'url-pass-Kq81Zr44';

const serve = useAgentServers();

function leaks(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let at = 0; at + SECRET_FRAGMENT_CHARS <= secret.length; at += 1) {
    const run = secret.slice(at, at + SECRET_FRAGMENT_CHARS);
    if (text.includes(run)) found.push(run);
  }
  if (secret.length < SECRET_FRAGMENT_CHARS && text.includes(secret)) found.push(secret);
  return found;
}

async function runOnce(url: string) {
  const run = recordedContext();
  const agent = createHttpAgent({ name: 'mine', url, headers: { Authorization: `Bearer ${TOKEN}`, 'X-Api-Key': TOKEN.slice(3) } });
  try {
    const result = await agent.run(run.context);
    await run.context.settle('ended');
    return { result, error: undefined, events: run.events };
  } catch (error) {
    await run.context.settle('ended');
    return { result: undefined, error: error as Error, events: run.events };
  }
}

describe('agent over HTTP: configured header values are never relayed', () => {
  it('redacts the values an agent echoes in thoughts, tool names, call ids, arguments, results, errors and its response', async () => {
    const server = await serve((req, res) => {
      const auth = String(req.headers.authorization);
      const token = auth.replace(/^Bearer /, '');
      ndjson(res, [
        { type: 'agent_thinking', payload: { thought: `my headers: ${auth} / ${String(req.headers['x-api-key'])}`, step: 1 } },
        { type: 'tool_executing', payload: { tool: `t_${token.slice(0, 20)}`, call_id: `id-${token}`, args: { [token]: token.slice(2, -2) } } },
        { type: 'tool_completed', payload: { tool: `t_${token.slice(0, 20)}`, call_id: `id-${token}`, ok: true, result: { echo: token }, duration_ms: 1 } },
        { type: 'tool_executing', payload: { tool: 'x', call_id: 'c2', args: {} } },
        { type: 'tool_completed', payload: { tool: 'x', call_id: 'c2', ok: false, error: `denied for ${token.slice(0, -5)}`, duration_ms: 1 } },
        { type: 'agent_completed', payload: { status: 'succeeded', response: `done with ${token.slice(4)}`, error: null } },
      ]);
    });
    const { result, error, events } = await runOnce(server.url);
    expect(error).toBeUndefined();
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(result?.response).toBe('done with [redacted]');
    expect(events.map((e) => e.type)).toEqual(['agent_thinking', 'tool_executing', 'tool_completed', 'tool_executing', 'tool_completed']);
    expect(events[1]?.payload).toEqual({ tool: 't_[redacted]', call_id: 'id-[redacted]', args: { '[redacted]': '[redacted]' } });
    expect(leaks(JSON.stringify(events), TOKEN)).toEqual([]);
  });

  it("redacts them from a gateway's error body and from an agent's failure", async () => {
    const gateway = await serve((req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream refused credentials ${String(req.headers.authorization)}`);
    });
    const run = recordedContext();
    const agent = createHttpAgent({ name: 'mine', url: gateway.url, headers: { Authorization: `Bearer ${TOKEN}` } });
    const refused = await agent.run(run.context).then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    expect(refused?.message).toMatch(
      /^http agent 'mine': POST http:\/\/127\.0\.0\.1:\d+\/run answered 502 Bad Gateway: upstream refused credentials \[redacted\]$/,
    );
    expect(leaks(`${refused?.message} ${refused?.stack}`, TOKEN)).toEqual([]);

    const basic = await serve((req, res) => {
      const decoded = Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString();
      ndjson(res, [{ type: 'agent_completed', payload: { status: 'failed', response: null, error: `bad login ${decoded}` } }]);
    });
    const withPassword = new URL(basic.url);
    withPassword.username = 'ann';
    withPassword.password = PASSWORD;
    const failed = await createHttpAgent({ name: 'mine', url: withPassword.toString() })
      .run(recordedContext().context)
      .then(
        () => undefined,
        (err: unknown) => err as Error,
      );
    expect(failed?.message).toBe("http agent 'mine': bad login [redacted]");
    expect(leaks(`${failed?.message} ${failed?.stack}`, PASSWORD)).toEqual([]);
  });
});
