/**
 * GET /metrics on a real backend: Prometheus text with the pipeline's counters after a run;
 * with METRICS_TOKEN set, only with the Bearer token.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';

const harnesses: Harness[] = [];
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

function sample(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? NaN : Number(found.slice(line.length + 1));
}

describe('GET /metrics', () => {
  it('counts accepted and refused messages, runs, events and connections', async () => {
    const h = await startHarness();
    harnesses.push(h);
    const c = await h.client('metrics-user', 'ws');
    c.send({ type: 'user_message', message_id: 'm1', payload: { content: 'what is 2 + 3?' } });
    const ack = await c.waitFor((e) => e.type === 'message_ack');
    const events = await c.runEvents((ack.payload as { run_id: string }).run_id);
    c.send({ type: 'nonsense' });
    await c.waitFor((e) => e.type === 'error');

    const res = await fetch(`${h.backend.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(sample(text, 'flowscope_messages_accepted_total')).toBe(1);
    expect(text).toMatch(/^flowscope_messages_refused_total\{code="[A-Z_]+"\} 1$/m);
    expect(sample(text, 'flowscope_runs_finished_total{status="succeeded"}')).toBe(1);
    const emitted = text
      .split('\n')
      .filter((l) => l.startsWith('flowscope_events_emitted_total{'))
      .reduce((n, l) => n + Number(l.split(' ')[1]), 0);
    expect(emitted).toBe(events.length);
    expect(sample(text, 'flowscope_connections{transport="ws"}')).toBe(1);
    expect(sample(text, 'flowscope_queue_depth')).toBe(0);
    for (const h of ['queue_wait', 'time_to_first_event', 'run_duration']) expect(sample(text, `flowscope_${h}_seconds_count`)).toBe(1);
    expect(sample(text, 'flowscope_persist_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    // The in-process cache has no bus.
    expect(text).not.toMatch(/^flowscope_bus_messages_published_total\{/m);
  });

  it('with METRICS_TOKEN, needs it as a Bearer token', async () => {
    const h = await startHarness({ metricsToken: 'scrape-secret' });
    harnesses.push(h);
    const refused = await fetch(`${h.backend.url}/metrics`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED');
    expect((await fetch(`${h.backend.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${h.backend.url}/metrics`, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('flowscope_runs_finished_total');
  });
});
