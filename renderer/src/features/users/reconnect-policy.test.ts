import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HEALTH_PROBE_MAX_MS, HealthWatch, isRetryableRefusal, probeDelay, probeHealth, reconnectDelay, runsInProgress } from './reconnect-policy.ts';
import { usersToRestore } from './connection-store.ts';

describe('delays', () => {
  it('backs off connection attempts up to 30 s, and /health probes up to well under a second', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    expect([1, 2, 3, 4, 10, 100].map(probeDelay)).toEqual([100, 200, 250, 250, 250, 250]);
    expect(HEALTH_PROBE_MAX_MS).toBeLessThan(1000);
  });
  it('retries an unreachable server, not a refused token', () => {
    expect(isRetryableRefusal(undefined)).toBe(true);
    expect(isRetryableRefusal('CONNECT_FAILED')).toBe(true);
    expect(isRetryableRefusal('AUTH_EXPIRED')).toBe(false);
  });
});

describe('HealthWatch against a real HTTP server', () => {
  const servers: http.Server[] = [];
  const watches: HealthWatch[] = [];
  afterEach(async () => {
    for (const w of watches.splice(0)) w.stop();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A /health that answers 200 (or `status`). */
  async function listen(port = 0, status = 200): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/health' ? status : 404, { connection: 'close' }).end('{}');
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    servers.push(server);
    return server;
  }
  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('probeHealth: true for a 200, false for a 503 and for nothing listening', async () => {
    const up = await listen();
    const sick = await listen(0, 503);
    expect(await probeHealth(`http://127.0.0.1:${(up.address() as AddressInfo).port}`)).toBe(true);
    expect(await probeHealth(`http://127.0.0.1:${(sick.address() as AddressInfo).port}`)).toBe(false);
    const port = (up.address() as AddressInfo).port;
    await new Promise((r) => up.close(r));
    expect(await probeHealth(`http://127.0.0.1:${port}`)).toBe(false);
  });

  it('calls back when the target answers again after it was down, not while it is up all along', async () => {
    const server = await listen();
    const port = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    let back = 0;
    const watch = new HealthWatch(
      () => probeHealth(url),
      () => back++,
    );
    watches.push(watch);
    watch.start();
    await new Promise((r) => setTimeout(r, 700)); // a few probes while it is up
    expect(back).toBe(0);

    await new Promise((r) => server.close(r));
    servers.splice(servers.indexOf(server), 1);
    await until(() => watch.failures >= 3);
    expect(back).toBe(0);
    await listen(port);
    await until(() => back === 1);
    expect(watch.failures).toBe(0);

    watch.stop();
    expect(watch.running).toBe(false);
  });
});

describe('usersToRestore', () => {
  it('takes the users this tab had connected on this target that still exist', () => {
    const kept = { baseUrl: 'http://a', users: ['alice', 'bob', 7, 'gone'] };
    expect(usersToRestore(kept, 'http://a', ['alice', 'bob', 'carol'])).toEqual(['alice', 'bob']);
    expect(usersToRestore(kept, 'http://b', ['alice'])).toEqual([]);
    expect(usersToRestore(null, 'http://a', ['alice'])).toEqual([]);
    expect(usersToRestore({ baseUrl: 'http://a', users: 'alice' }, 'http://a', ['alice'])).toEqual([]);
  });
});

describe('runsInProgress', () => {
  it('picks the queued and running runs of a listing (newest first), oldest first, to resume after a reload', () => {
    const listing = [
      { id: 'run_4', status: 'queued' },
      { id: 'run_3', status: 'succeeded' },
      { id: 'run_2', status: 'running' },
      { id: 'run_1', status: 'interrupted' },
    ];
    expect(runsInProgress(listing)).toEqual(['run_2', 'run_4']);
    expect(runsInProgress([{ id: 'run_1', status: 'cancelled' }])).toEqual([]);
    expect(runsInProgress([])).toEqual([]);
  });
});
