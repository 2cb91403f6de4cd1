/**
 * Agents from configuration, as `flowscope serve` builds them: LLM_MODEL (and the other LLM_*
 * settings) gives the `llm` agent, AGENT_URLS agents over HTTP; both listed by GET /api/agents
 * and run through the whole pipeline. Real servers: our OpenAI-compatible one and an NDJSON agent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentsResponse } from '../../protocol/index.ts';
import { textReply } from '../support/openai-compatible-server.ts';
import { useOpenAiCompatibleServer } from '../support/openai-server-suite.ts';
import { loadConfig } from '../../backend/config/backend-config.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';

const KEY = 'sk-configured-agents-key-0123456789';
const { server: llm } = useOpenAiCompatibleServer({ resetAfterEach: false, requireRepliesUsed: false });
let ndjson: http.Server;
let h: Harness;

beforeAll(async () => {
  ndjson = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const run = JSON.parse(body) as { input: { content: string } };
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${JSON.stringify({ type: 'agent_thinking', payload: { thought: 'echoing', step: 1 } })}\n`);
      res.end(`${JSON.stringify({ type: 'agent_completed', payload: { status: 'succeeded', response: `echo: ${run.input.content}`, error: null } })}\n`);
    });
  });
  await new Promise<void>((resolve) => ndjson.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(ndjson.address() as AddressInfo).port}/run`;
  const config = loadConfig({ LLM_MODEL: 'test-model', LLM_BASE_URL: llm.baseURL, OPENAI_API_KEY: KEY, LLM_MAX_RETRIES: '0', AGENT_URLS: `echo=${url}` }, []);
  expect(config.llm).toMatchObject({ model: 'test-model', baseUrl: llm.baseURL, apiKey: KEY, maxRetries: 0 });
  h = await startHarness({ llm: config.llm, agentUrls: config.agentUrls });
});
afterAll(async () => {
  await h?.close();
  await new Promise((r) => ndjson?.close(r));
});

describe('agents from configuration', () => {
  it('lists the llm agent and the HTTP agent with where they come from, no key anywhere', async () => {
    const res = await fetch(`${h.backend.url}/api/agents`, { headers: { authorization: `Bearer ${await h.backend.mintToken('lister')}` } });
    const text = await res.text();
    expect(text).not.toContain(KEY);
    const body = JSON.parse(text) as AgentsResponse;
    const llmPort = new URL(llm.baseURL).port;
    expect(body.agents.filter((a) => a.source !== 'builtin').map((a) => [a.name, a.source, a.origin])).toEqual([
      ['llm', 'llm', `http://127.0.0.1:${llmPort}/v1`],
      ['echo', 'http', expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/run$/) as string],
    ]);
  });

  it('runs the llm agent from LLM_MODEL and the HTTP agent from AGENT_URLS', async () => {
    llm.enqueue(textReply('Hello from the model'));
    const c = await h.client('configured-user');
    c.send({ type: 'user_message', message_id: 'm-llm', payload: { content: 'hi', agent: 'llm' } });
    const a = (await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { message_id: string }).message_id === 'm-llm')).payload as { run_id: string };
    const llmEvents = await c.runEvents(a.run_id);
    expect(llmEvents.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: 'Hello from the model' });
    expect(llm.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(JSON.stringify(llmEvents)).not.toContain(KEY);

    c.send({ type: 'user_message', message_id: 'm-echo', payload: { content: 'ping', agent: 'echo' } });
    const b = (await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { message_id: string }).message_id === 'm-echo')).payload as { run_id: string };
    const echoEvents = await c.runEvents(b.run_id);
    expect(echoEvents.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'agent_completed']);
    expect(echoEvents.at(-1)?.payload).toMatchObject({ status: 'succeeded', response: 'echo: ping' });
  });
});
