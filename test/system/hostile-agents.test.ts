/**
 * Agents that misbehave, behind the real backend (issue 17, defects 5, 6 and 10), driven over
 * Socket.IO: an agent module that throws a Proxy whose traps throw, or a 5 MB message; an
 * OpenAI-compatible upstream that streams a huge answer or echoes the API key; an agent over
 * HTTP that echoes its configured header. Every run keeps the event rules (agent_started
 * first, one agent_completed), its frames stay small, and no secret reaches the client.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpAgent } from '../../backend/agents/http/http-agent.ts';
import { ndjson, startAgentServer, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';
import { SECRET_FRAGMENT_CHARS } from '../../backend/agents/secret-redaction.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { textReply, toolCallReply } from '../support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../support/openai-server-suite.ts';

const KEY = 'sk-hostile-test-KEY-4f3e2d1c0b9a8877';
const TOKEN = 'agent-header-token-Zq9Xw8Vu7Ts6';
const CAP = 64 * 1024;

const { server, agentWith } = useOpenAiCompatibleServer({ resetAfterEach: false, requireRepliesUsed: false });
let h: Harness;
let agentServer: AgentTestServer;
let moduleDir: string;

beforeAll(async () => {
  moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-hostile-'));
  const modulePath = path.join(moduleDir, 'hostile-agent.mjs');
  fs.writeFileSync(
    modulePath,
    `const trap = () => { throw new Error('trap!'); };
const hostile = () => new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap });
export default [
  { name: 'throws-proxy', description: 'throws a Proxy whose traps throw', async run(ctx) { await ctx.think('about to throw'); throw hostile(); } },
  { name: 'throws-huge', description: 'throws a 5 MB message', async run() { throw new Error('e'.repeat(5 * 1024 * 1024)); } },
  { name: 'calls-hostile-tool', description: 'calls a tool that throws a Proxy', async run(ctx) { const outcome = await ctx.callTool('hostile_tool', {}); return { response: String(outcome.error) }; } },
];
export const tools = [
  { name: 'hostile_tool', description: 'throws a Proxy whose traps throw', parameters: { type: 'object' }, async execute() { throw hostile(); } },
];
`,
  );
  agentServer = await startAgentServer((req, res) => {
    const auth = String(req.headers.authorization);
    ndjson(res, [
      { type: 'agent_thinking', payload: { thought: `I was sent ${auth}`, step: 1 } },
      { type: 'agent_completed', payload: { status: 'succeeded', response: `token ${auth.slice(7, -2)}`, error: null } },
    ]);
  });
  h = await startHarness({
    agentModules: [modulePath],
    agents: [
      agentWith({ name: 'llm-capped', apiKey: KEY, maxAnswerChars: CAP, maxRetries: 0 }),
      createHttpAgent({ name: 'echo-http', url: agentServer.url, headers: { Authorization: `Bearer ${TOKEN}` } }),
    ],
  });
});
afterAll(async () => {
  await h?.close();
  await agentServer?.close();
  if (moduleDir) fs.rmSync(moduleDir, { recursive: true, force: true });
});

function leaks(text: string, secret: string): string[] {
  const found: string[] = [];
  for (let at = 0; at + SECRET_FRAGMENT_CHARS <= secret.length; at += 1) {
    if (text.includes(secret.slice(at, at + SECRET_FRAGMENT_CHARS))) found.push(secret.slice(at, at + SECRET_FRAGMENT_CHARS));
  }
  return found;
}

async function runOf(user: string, agent: string, content = 'go') {
  const c = await h.client(user);
  c.send({ type: 'user_message', payload: { content, agent } });
  const ack = (await c.waitFor((e) => e.type === 'message_ack', 20_000)).payload as { run_id: string };
  const events = await c.runEvents(ack.run_id, 30_000);
  return events;
}

describe('hostile agents behind the backend', () => {
  it('a module that throws a Proxy whose traps throw: the run starts, fails with a readable error and ends once', async () => {
    const events = await runOf('proxy-user', 'throws-proxy');
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'agent_completed']);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'failed', error: 'the agent threw a value that cannot be read (a Proxy)' });
  });

  it('a module tool that throws a Proxy: the call fails with a readable error, the run goes on', async () => {
    const events = await runOf('proxy-tool-user', 'calls-hostile-tool');
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'tool_executing', 'tool_completed', 'agent_completed']);
    const error = "tool 'hostile_tool' threw a value that cannot be read (a Proxy)";
    expect(events[2]?.payload).toMatchObject({ tool: 'hostile_tool', ok: false, error });
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: error });
  });

  it('a module that throws a 5 MB message: the error in agent_completed is cut to 4 KB', async () => {
    const events = await runOf('huge-user', 'throws-huge');
    const end = events.at(-1)?.payload as { status: string; error: string };
    expect(end.status).toBe('failed');
    expect(end.error.length).toBe(4096);
    expect(JSON.stringify(events).length).toBeLessThan(8192);
  });

  it('an upstream that streams a 1 MB answer past a 64 KB cap: the run fails saying which cap, its frames stay small', async () => {
    server.enqueue(textReply('z'.repeat(1024 * 1024), { fragments: 512 }));
    const events = await runOf('big-answer-user', 'llm-capped');
    const end = events.at(-1)?.payload as { status: string; error: string; response: unknown };
    expect(end).toMatchObject({ status: 'failed', response: null });
    expect(end.error).toContain('LLM_MAX_ANSWER_CHARS');
    expect(JSON.stringify(events).length).toBeLessThan(CAP);
  });

  it('an upstream that echoes the API key in tool calls and answers: no run of it reaches the client', async () => {
    server.enqueue(
      {
        kind: 'from-request',
        reply: (request) => {
          const key = String(request.headers.authorization).slice('Bearer '.length);
          return toolCallReply([{ id: `id_${key}`, name: 'calculator', arguments: JSON.stringify({ expression: key.slice(0, -2) }) }]);
        },
      },
      { kind: 'from-request', reply: (request) => textReply(`your key: ${String(request.headers.authorization).slice(7, -3)}`) },
    );
    const events = await runOf('echo-key-user', 'llm-capped');
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_thinking', 'agent_completed']);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: 'your key: [redacted]' });
    expect(leaks(JSON.stringify(events), KEY)).toEqual([]);
  });

  it('an agent over HTTP that echoes its configured Authorization header: redacted in its thoughts and response', async () => {
    const events = await runOf('echo-header-user', 'echo-http');
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'agent_completed']);
    expect(events[1]?.payload).toMatchObject({ thought: 'I was sent [redacted]' });
    expect(events.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: 'token [redacted]' });
    expect(leaks(JSON.stringify(events), TOKEN)).toEqual([]);
  });
});
