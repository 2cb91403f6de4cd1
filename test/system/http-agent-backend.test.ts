/**
 * An agent over HTTP behind a real backend (configured as `--agent-url` is): a failing
 * answer ends the run `failed` with the HTTP agent's error and seq stays whole; cancel_run
 * aborts the request (the agent sees its connection close) and the run ends `cancelled`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { EXEC, startAgentServer, THINK, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';

let failing: AgentTestServer;
let stalling: AgentTestServer;
let harness: Harness;

beforeAll(async () => {
  failing = await startAgentServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.end(`${JSON.stringify(THINK)}\n${JSON.stringify(EXEC)}\n{"type":"agent_thinking","payload":{"thought":"x"}}\n`);
  });
  stalling = await startAgentServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify(THINK)}\n`);
  });
  harness = await startHarness({ agentUrls: [`bad=${failing.url}`, `slow=${stalling.url}`] });
});

afterAll(async () => {
  await harness.close();
  await failing.close();
  await stalling.close();
});

async function send(user: string, id: string, agent: string) {
  const client = await harness.client(user);
  client.send({ type: 'user_message', message_id: id, payload: { content: 'go', agent } });
  const ack = await client.waitFor((e) => e.type === 'message_ack' && e.message_id === id);
  return { client, runId: (ack.payload as { run_id: string }).run_id };
}

describe('an agent over HTTP behind the backend', () => {
  it('an invalid line ends the run failed with the line and path; the open call is completed, seq whole', async () => {
    const { client, runId } = await send('bob', 'b1', 'bad');
    const events = await client.runEvents(runId);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[3]?.payload).toMatchObject({ call_id: 'c1', ok: false });
    expect(events[4]?.payload).toMatchObject({
      status: 'failed',
      response: null,
      error: "http agent 'bad': line 3 is invalid: payload.step: Invalid input: expected number, received undefined",
    });
  });

  it('cancel_run aborts the request at once and the run ends cancelled', async () => {
    const { client, runId } = await send('carol', 'c1', 'slow');
    await client.waitFor((e) => e.type === 'agent_thinking' && e.run_id === runId);
    client.send({ type: 'cancel_run', payload: { run_id: runId } });
    const events = await client.runEvents(runId);
    expect(events.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'agent_completed']);
    expect(events.at(-1)?.payload).toMatchObject({ status: 'cancelled' });
    // The agent's connection closed (its 60 s idle timeout had nothing to do with it).
    await stalling.clientGone;
  });
});
