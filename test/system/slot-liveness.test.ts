/**
 * Defect 2: after a SIGKILL, a dead process's connection slots stop counting as soon as its
 * liveness lease expired. Two real `flowscope serve` processes on real Redis (one key prefix,
 * separate SQLite stores: slots live in Redis only); a user fills its per-user limit on B, B
 * is SIGKILLed, and the user can connect to A right after B's lease expired, not 60 s later.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { createRestClient } from '../../client/index.ts';
import { startServeProcess } from '../support/serve-process.ts';
import { redisAvailable, TEST_REDIS_URL, uniqueTestName } from '../support/test-services.ts';

const redisUp = await redisAvailable();
const prefix = `${uniqueTestName('slots')}:`;
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
let redis: Redis | undefined;

afterAll(async () => {
  for (const s of sockets) s.terminate();
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (redis) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});

/** Opens /ws; resolves 'open', or the refusal code of the error frame. */
function attempt(url: string, token: string): Promise<'open' | string> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    sockets.push(ws);
    let refused: string | null = null;
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as { type: string; payload?: { code?: string } };
      if (e.type === 'error') refused = e.payload?.code ?? 'error';
    });
    ws.on('open', () => setTimeout(() => resolve(refused ?? (ws.readyState === WebSocket.OPEN ? 'open' : 'closed')), 150));
    ws.on('close', () => resolve(refused ?? 'closed'));
    ws.on('error', () => resolve(refused ?? 'error'));
  });
}

describe.skipIf(!redisUp.available)('connection slots of a SIGKILLed process', () => {
  it('stop counting once its liveness lease expired', async () => {
    const env = (dir: string) => ({
      JWT_SECRET: 'slots-secret-slots-secret-slots-secret-01',
      DATA_DIR: dir,
      DATABASE_URL: '',
      REDIS_URL: TEST_REDIS_URL,
      CACHE_PREFIX: prefix,
      LEASE_MS: '1500',
      MAX_CONNECTIONS_PER_USER: '2',
    });
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-slots-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-slots-b-'));
    const a = await startServeProcess(['--data-dir', dirA], env(dirA));
    children.push(a.child);
    const b = await startServeProcess(['--data-dir', dirB], env(dirB));
    children.push(b.child);
    const token = (await createRestClient(a.url).mintToken('locked-out')).token;

    expect(await attempt(b.url, token)).toBe('open');
    expect(await attempt(b.url, token)).toBe('open');
    expect(await attempt(a.url, token)).toBe('TOO_MANY_CONNECTIONS'); // the limit holds across processes

    const exited = new Promise((r) => b.child.once('exit', r));
    b.child.kill('SIGKILL');
    await exited;
    redis = new Redis(TEST_REDIS_URL);
    const leases = await redis.keys(`${prefix}lease:instance:*`);
    expect(leases).toHaveLength(2);
    // B's lease runs out within LEASE_MS (1.5 s); then its two slots no longer count.
    const killedAt = Date.now();
    let outcome = await attempt(a.url, token);
    while (outcome !== 'open' && Date.now() - killedAt < 10_000) {
      await new Promise((r) => setTimeout(r, 200));
      outcome = await attempt(a.url, token);
    }
    expect(outcome).toBe('open');
    expect(Date.now() - killedAt).toBeLessThan(5000); // not the slots' 60 s TTL
    expect(await redis.keys(`${prefix}lease:instance:*`)).toHaveLength(1);
  }, 60_000);
});
