/**
 * The scripted agent's bounds on a real backend: a script over the total delay or step limit
 * is refused at reception (VALIDATION_FAILED with the path, no run booked); one user never
 * holds more than one of the global execution slots, so others' runs go on while its long
 * runs wait. scriptLimitProblems itself is tested beside it (backend/agents/script-limits.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

describe('scripted runs are bounded and shared fairly', () => {
  it('refuses a script over the limits at reception with the path', async () => {
    const h = await startHarness({ scriptLimits: { maxSteps: 4, maxTotalDelayMs: 1000 } });
    harnesses.push(h);
    const c = await h.client('greedy', 'ws');
    const slow = [{ tool: 'sleep', args: {}, result: 1, delay_ms: 600 }, { tool: 'sleep', args: {}, result: 1, delay_ms: 600 }, { respond: 'x' }];
    c.send({ type: 'user_message', message_id: 'slow', payload: { content: 'x', agent: 'scripted', script: slow } });
    const refused = await c.waitFor((e) => e.message_id === 'slow');
    expect(refused).toMatchObject({ type: 'error', payload: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'payload.script[1].delay_ms' }] } } });
    const many = Array.from({ length: 5 }, (_, i) => ({ think: `${i}` }));
    c.send({ type: 'user_message', message_id: 'many', payload: { content: 'x', agent: 'scripted', script: many } });
    const tooMany = await c.waitFor((e) => e.message_id === 'many');
    expect(tooMany).toMatchObject({ type: 'error', payload: { code: 'VALIDATION_FAILED', details: { issues: [{ path: 'payload.script' }] } } });
    // within the limits: accepted and run
    c.send({
      type: 'user_message',
      message_id: 'ok',
      payload: { content: 'x', agent: 'scripted', script: many.slice(0, 3).concat([{ respond: 'fine' } as never]) },
    });
    const ack = await c.waitFor((e) => e.message_id === 'ok' && e.type === 'message_ack');
    const events = await c.runEvents((ack.payload as { run_id: string }).run_id);
    expect(events.at(-1)).toMatchObject({ payload: { status: 'succeeded', response: 'fine' } });
  }, 20_000);

  it('one user holds at most one execution slot: another user runs while its long runs wait', async () => {
    const h = await startHarness({ maxConcurrentRuns: 2 });
    harnesses.push(h);
    const greedy = await h.client('hog', 'ws');
    const other = await h.client('neighbour', 'ws');
    const long = [{ tool: 'sleep', args: {}, result: 1, delay_ms: 1500 }, { respond: 'late' }];
    for (const id of ['h1', 'h2', 'h3']) greedy.send({ type: 'user_message', message_id: id, payload: { content: id, agent: 'scripted', script: long } });
    await greedy.waitFor((e) => e.type === 'tool_executing');
    const during = await h.backend.health();
    expect(during.body.running).toBe(1); // the hog's first run only; its others queue behind it
    other.send({ type: 'user_message', message_id: 'n1', payload: { content: 'what is 2 + 3?' } });
    const ack = await other.waitFor((e) => e.type === 'message_ack' && e.message_id === 'n1');
    const events = await other.runEvents((ack.payload as { run_id: string }).run_id, 5000);
    expect(events.at(-1)).toMatchObject({ payload: { status: 'succeeded' } });
    const hogDone = greedy.received.filter((e) => e.type === 'agent_completed');
    expect(hogDone).toHaveLength(0); // the neighbour finished before the hog's first run
  }, 20_000);
});
