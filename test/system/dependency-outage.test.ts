/**
 * Redis lost while the backend runs (through a TCP proxy that is cut, then restored):
 * /health answers 503 naming the cache, new messages get UNAVAILABLE instead of hanging,
 * and service resumes by itself when Redis is back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { CuttableProxy } from '../support/tcp-proxy.ts';
import { redisAvailable, TEST_REDIS_URL, uniqueTestName } from '../support/test-services.ts';

const redisUp = await redisAvailable();

let harness: Harness | undefined;
let proxy: CuttableProxy | undefined;
afterAll(async () => {
  await harness?.close();
  await proxy?.cut();
});

describe.skipIf(!redisUp.available)('dependency outage', () => {
  it('reports 503, refuses with UNAVAILABLE, and recovers by itself', async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = new CuttableProxy({ host: target.hostname, port: Number(target.port || 6379) });
    await proxy.open();
    harness = await startHarness({ redisUrl: `redis://127.0.0.1:${proxy.port}`, cacheKeyPrefix: `${uniqueTestName('outage')}:` });
    const c = await harness.client('outage-user', 'ws');
    c.send({ type: 'user_message', message_id: 'before', payload: { content: 'what is 1 + 1?' } });
    const before = await c.waitFor((e) => e.type === 'message_ack');
    await c.runEvents((before.payload as { run_id: string }).run_id);

    const port = proxy.port;
    await proxy.cut();
    const down = await harness.backend.health();
    expect(down.status).toBe(503);
    expect(down.body.failing).toEqual(['cache']);

    const t0 = Date.now();
    c.send({ type: 'user_message', message_id: 'during', payload: { content: 'hello?' } });
    const refused = await c.waitFor((e) => e.type === 'error' && (e.payload as { code: string }).code === 'UNAVAILABLE', 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((refused.payload as { message: string }).message).toMatch(/Redis/);

    await proxy.open(port);
    const deadline = Date.now() + 15_000;
    let health = await harness.backend.health();
    while (health.status !== 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      health = await harness.backend.health();
    }
    expect(health.status).toBe(200);
    c.send({ type: 'user_message', message_id: 'after', payload: { content: 'what is 2 + 2?' } });
    const after = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'after', 10_000);
    const events = await c.runEvents((after.payload as { run_id: string }).run_id);
    expect(events.at(-1)).toMatchObject({ payload: { status: 'succeeded' } });
  }, 40_000);
});
