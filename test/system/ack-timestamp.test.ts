/**
 * A message_ack is stamped with its run's acceptance (the run's created_at), so no run's queue
 * wait (ack → agent_started, by server timestamps, as the console and the runner measure it) is
 * negative: a run stored already claimed starts, and stamps its agent_started, as soon as it is
 * stored, which was sometimes a millisecond before an ack stamped when it was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('the message_ack timestamp', () => {
  it('is the run’s acceptance: never after its agent_started, and its created_at over REST', async () => {
    const client = await harness.client('ack-time', 'ws');
    const token = await harness.backend.mintToken('ack-time');
    for (let i = 0; i < 40; i++) {
      client.send({ type: 'user_message', message_id: `t${i}`, payload: { agent: 'scripted', content: 'x', script: [{ respond: 'ok' }] } });
      const ack = await client.waitFor((e) => e.type === 'message_ack' && e.message_id === `t${i}`);
      const runId = ack.run_id as string;
      const [started] = await client.runEvents(runId);
      expect(started?.type).toBe('agent_started');
      expect(Date.parse(ack.timestamp as string)).toBeLessThanOrEqual(Date.parse(started!.timestamp as string));
      if (i === 0) {
        const res = await fetch(`${harness.backend.url}/api/threads/${ack.thread_id as string}/messages`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await res.json()) as { messages?: Array<{ created_at?: string }> } | Array<{ created_at?: string }>;
        const messages = Array.isArray(body) ? body : (body.messages ?? []);
        expect(messages[0]?.created_at).toBe(ack.timestamp);
      }
    }
    client.close();
  });
});
