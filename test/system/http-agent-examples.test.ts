/**
 * The examples users copy (examples/agents/python/agent.py, examples/agents/typescript/
 * http-agent.ts) really started as child processes on free ports: a run through
 * createHttpAgent and the agent context, then two runs of a thread through a real backend
 * configured with `agentUrls` (--agent-url), checking the five events and seq. python3
 * missing: skipped with a visible line, except in CI where it is a failure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness } from '../support/backend-harness.ts';
import { PYTHON_EXAMPLE, pythonAvailable, startExample, stopExamples, TS_EXAMPLE } from '../support/agent-examples.ts';
import { createHttpAgent } from '../../backend/agents/http/http-agent.ts';
import { recordedContext } from '../../backend/agents/http/agent-test-server.ts';

const hasPython = pythonAvailable('the Python agent example test');
afterAll(stopExamples);

async function runThrough(url: string): Promise<void> {
  const run = recordedContext({ content: 'how many words are here', history: [{ role: 'user', content: 'hi' }] });
  const result = await createHttpAgent({ name: 'mine', url }).run(run.context);
  await run.context.settle('ended');
  expect(result).toEqual({ response: 'Your message has 5 words.' });
  expect(run.events.map((event) => event.type)).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
  expect(run.events[0]?.payload).toEqual({ thought: 'Counting words (1 earlier messages)', step: 1 });
  expect(run.events[1]?.payload).toEqual({ tool: 'word_count', call_id: 'run-1:wc-1', args: { text: 'how many words are here' } });
  expect(run.events[2]?.payload).toMatchObject({ tool: 'word_count', call_id: 'run-1:wc-1', ok: true, result: { words: 5 } });
}

/** Two runs of one thread through a backend started with `--agent-url mine=URL`. */
async function runThroughBackend(url: string): Promise<void> {
  const harness = await startHarness({ agentUrls: [`mine=${url}`] });
  try {
    const client = await harness.client('alice');
    client.send({ type: 'user_message', message_id: 'm1', payload: { content: 'how many words are here', agent: 'mine' } });
    const ack = (await client.waitFor((e) => e.type === 'message_ack' && e.message_id === 'm1')).payload as { run_id: string; thread_id: string };
    const first = await client.runEvents(ack.run_id);
    expect(first.map((e) => e.type)).toEqual(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']);
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(first[0]?.payload).toEqual({ agent: 'mine', input: 'how many words are here' });
    expect(first[2]?.payload).toEqual({ tool: 'word_count', call_id: `${ack.run_id}:wc-1`, args: { text: 'how many words are here' } });
    expect(first[4]?.payload).toMatchObject({ status: 'succeeded', response: 'Your message has 5 words.', error: null });
    for (const event of first) expect(event).toMatchObject({ run_id: ack.run_id, thread_id: ack.thread_id, user_id: 'alice' });

    // The same thread again: the agent gets the first turn as history.
    client.send({ type: 'user_message', message_id: 'm2', thread_id: ack.thread_id, payload: { content: 'and now?', agent: 'mine' } });
    const second = (await client.waitFor((e) => e.type === 'message_ack' && e.message_id === 'm2')).payload as { run_id: string };
    const events = await client.runEvents(second.run_id);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(events[1]?.payload).toEqual({ thought: 'Counting words (2 earlier messages)', step: 1 });
    expect(events[4]?.payload).toMatchObject({ status: 'succeeded', response: 'Your message has 2 words.' });
  } finally {
    await harness.close();
  }
}

describe('the agent examples', () => {
  it.skipIf(!hasPython)('examples/agents/python/agent.py', async () => {
    const url = await startExample('python3', [PYTHON_EXAMPLE]);
    await runThrough(url);
    await runThroughBackend(url);
  });

  it('examples/agents/typescript/http-agent.ts', async () => {
    const url = await startExample(process.execPath, ['--import', 'tsx', TS_EXAMPLE]);
    await runThrough(url);
    await runThroughBackend(url);
  });
});
