/**
 * Two real backend processes sharing one PostgreSQL schema and one Redis prefix: a user
 * connected to process A receives, exactly once, every event of runs accepted by process B;
 * killing B with SIGKILL loses no accepted message (its run ends `interrupted`, its queued
 * runs execute on A).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createRestClient } from '../../client/index.ts';
import { serveCluster } from '../support/serve-cluster.ts';
import { postgresAvailable, redisAvailable } from '../support/test-services.ts';

const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();
const cluster = serveCluster('scale', { LEASE_MS: '1500' });
afterAll(() => cluster.close());

describe.skipIf(!pgUp.available || !redisUp.available)('scale-out across processes (PostgreSQL + Redis)', () => {
  it('delivers every event once across processes and survives SIGKILL of one', async () => {
    const a = await cluster.start();
    const b = await cluster.start();

    const onA = await cluster.client(a.url, 'roaming', 'ws');
    const onB = await cluster.client(b.url, 'roaming', 'socketio');
    const ids = Array.from({ length: 5 }, (_, i) => `via-b-${i}`);
    for (const id of ids) onB.send({ type: 'user_message', message_id: id, payload: { content: `what is ${ids.indexOf(id)} * 3?` } });
    const acks = await Promise.all(ids.map((id) => onB.waitFor((e) => e.type === 'message_ack' && e.message_id === id)));
    for (const ack of acks) {
      const runId = (ack.payload as { run_id: string }).run_id;
      const events = await onA.runEvents(runId, 15_000);
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1)); // each once, in order
      expect(events[0]!.type).toBe('agent_started');
      expect(events.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'succeeded' } });
      expect(new Set(events.map((e) => e.type)).size).toBe(5);
    }

    // B accepts a slow run and two queued ones, then dies mid-run.
    const slow = [{ think: 'slow' }, { tool: 'sleep', args: {}, result: 1, delay_ms: 60_000 }, { respond: 'never' }];
    onB.send({ type: 'user_message', message_id: 'slow', payload: { content: 'slow', agent: 'scripted', script: slow } });
    await onB.waitFor((e) => e.type === 'message_ack' && e.message_id === 'slow');
    const started = await onA.waitFor((e) => e.type === 'tool_executing' && (e.payload as { tool: string }).tool === 'sleep', 15_000);
    const slowRun = started.run_id as string;
    onB.send({ type: 'user_message', message_id: 'after-1', payload: { content: 'what is 10 + 1?' } });
    onB.send({ type: 'user_message', message_id: 'after-2', payload: { content: 'what is 10 + 2?' } });
    const late = await Promise.all(['after-1', 'after-2'].map((id) => onB.waitFor((e) => e.type === 'message_ack' && e.message_id === id)));
    b.child.kill('SIGKILL');

    const interrupted = await onA.waitFor((e) => e.type === 'agent_completed' && e.run_id === slowRun, 20_000);
    expect(interrupted.payload).toMatchObject({ status: 'interrupted' });
    for (const ack of late) {
      const events = await onA.runEvents((ack.payload as { run_id: string }).run_id, 20_000);
      expect(events.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'succeeded' } });
    }
    // every accepted message of this user ended exactly once
    const { token } = await createRestClient(a.url).mintToken('roaming');
    const runs = await createRestClient(a.url).listRuns(token);
    expect(runs).toHaveLength(8);
    expect(runs.filter((r) => r.status === 'queued' || r.status === 'running')).toEqual([]);
    const completedCounts = new Map<string, number>();
    for (const e of onA.received) if (e.type === 'agent_completed') completedCounts.set(e.run_id as string, (completedCounts.get(e.run_id as string) ?? 0) + 1);
    expect([...completedCounts.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
