/**
 * The cache contract, run against every adapter in `CACHES` (default memory,redis), each
 * with its harness from `HARNESSES` (keyed by adapter name: a name the factory does not know,
 * or one without a harness, fails the suite). Each test has its own key prefix; keys on a
 * server are deleted afterwards. When a server does not answer its block is skipped with one
 * visible line (a failure with CI=true).
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CACHES, TEST_REDIS_URL, redisAvailable, uniqueTestName } from '../../test/support/test-services.ts';
import { CacheUnavailableError } from './cache-errors.ts';
import { AdapterError } from '../errors/adapter-errors.ts';
import { CACHE_ADAPTER_NAMES, cacheAdapter, createCache } from './cache-factory.ts';
import type { Cache, CacheOptions } from './cache-types.ts';

interface CacheHarness {
  /** Whether its server answers (asked only when the adapter is in CACHES). */
  available(): Promise<boolean>;
  /** The URL createCache gets. */
  url: string | undefined;
  /** Keys live on a server the test can read through its own client (TEST_REDIS_URL). */
  server: boolean;
}

const HARNESSES: Record<string, CacheHarness> = {
  memory: { available: async () => true, url: undefined, server: false },
  redis: { available: async () => (await redisAvailable()).available, url: TEST_REDIS_URL, server: true },
};

/** The harness of each adapter in CACHES; an unknown adapter name fails here, before any test. */
const suites = await Promise.all(
  CACHES.map(async (name) => {
    const adapter = cacheAdapter(name);
    const harness = HARNESSES[name];
    if (!harness) throw new Error(`cache contract: no harness for the "${name}" adapter; add one to HARNESSES`);
    return { name, adapter, harness, up: await harness.available() };
  }),
);
const redisUp = suites.find((s) => s.name === 'redis')?.up ?? false;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function eventually(check: () => Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Collects the messages of one subscription. */
function inbox() {
  const messages: string[] = [];
  return {
    messages,
    handler: (message: string) => void messages.push(message),
    waitFor: (message: string) => eventually(async () => messages.includes(message)),
  };
}

/** Redis connection for test cleanup only. */
let admin: Redis | null = null;
function adminClient(): Redis {
  admin ??= new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1, connectionName: 'flowscope-cache-test-admin' });
  return admin;
}
async function deleteKeys(prefix: string): Promise<void> {
  const keys = await adminClient().keys(`${escapeGlob(prefix)}*`);
  if (keys.length > 0) await adminClient().unlink(...keys);
}
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

afterAll(async () => {
  await admin?.quit();
});

for (const { name: kind, adapter, harness, up } of suites) {
  describe.skipIf(!up)(`cache contract: ${kind}`, () => {
    const redisUrl = harness.url;
    const opened: Cache[] = [];
    const usedPrefixes: string[] = [];
    let warnings: string[] = [];
    let prefix = '';
    let cache: Cache;

    async function open(keyPrefix = prefix, extra: Partial<CacheOptions> = {}): Promise<Cache> {
      if (!usedPrefixes.includes(keyPrefix)) usedPrefixes.push(keyPrefix);
      const created = await createCache({ redisUrl, keyPrefix, warn: (m) => void warnings.push(m), ...extra });
      opened.push(created);
      return created;
    }

    /** A second cache on the same server and prefix (shared across processes), or the same cache (in-process). */
    const peer = async (): Promise<Cache> => (cache.crossProcess ? open(prefix) : cache);

    beforeEach(async () => {
      warnings = [];
      prefix = `${uniqueTestName('cachetest')}:`;
      cache = await open();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((c) => c.close()));
      if (harness.server) for (const p of usedPrefixes.splice(0)) await deleteKeys(p);
      usedPrefixes.length = 0;
      expect(warnings).toEqual([]);
    });

    it('reports its kind, whether other processes share it, and answers ping', async () => {
      expect(cache.kind).toBe(kind);
      expect(cache.crossProcess).toBe(adapter.capabilities.crossProcess);
      await expect(cache.ping()).resolves.toBeUndefined();
    });

    describe('rate limits', () => {
      it('counts hits in the window and refuses past the limit with retryAfterMs', async () => {
        const results = [];
        for (let i = 0; i < 4; i++) results.push(await cache.hitRateLimit('alice', 3, 1_000));
        expect(results.slice(0, 3)).toEqual([
          { allowed: true, count: 1, retryAfterMs: 0 },
          { allowed: true, count: 2, retryAfterMs: 0 },
          { allowed: true, count: 3, retryAfterMs: 0 },
        ]);
        const refused = results[3];
        expect(refused?.allowed).toBe(false);
        expect(refused?.count).toBe(4);
        expect(refused?.retryAfterMs).toBeGreaterThan(500);
        expect(refused?.retryAfterMs).toBeLessThanOrEqual(1_000);
      });

      it('starts a new window once the old one has passed', async () => {
        await cache.hitRateLimit('bob', 1, 150);
        const refused = await cache.hitRateLimit('bob', 1, 150);
        expect(refused.allowed).toBe(false);
        expect(refused.retryAfterMs).toBeGreaterThan(0);
        expect(refused.retryAfterMs).toBeLessThanOrEqual(150);
        await sleep(refused.retryAfterMs + 30);
        expect(await cache.hitRateLimit('bob', 1, 150)).toEqual({ allowed: true, count: 1, retryAfterMs: 0 });
      });

      it('keeps keys apart', async () => {
        await cache.hitRateLimit('carol', 1, 1_000);
        expect((await cache.hitRateLimit('carol', 1, 1_000)).allowed).toBe(false);
        expect((await cache.hitRateLimit('dave', 1, 1_000)).allowed).toBe(true);
      });

      it('admits exactly `limit` of many concurrent hits', async () => {
        const results = await Promise.all(Array.from({ length: 30 }, () => cache.hitRateLimit('erin', 10, 5_000)));
        expect(results.filter((r) => r.allowed)).toHaveLength(10);
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      });

      it('rejects a nonsensical window', async () => {
        await expect(cache.hitRateLimit('frank', 1, 0)).rejects.toThrow(RangeError);
      });
    });

    describe('connection slots', () => {
      it('enforces the maximum atomically under concurrency', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cache.tryAddConnection('alice', `conn-${i}`, 5, 5_000)));
        expect(results.filter((r) => r.ok)).toHaveLength(5);
        expect(results.every((r) => r.count <= 5)).toBe(true);
        expect(results.filter((r) => !r.ok).every((r) => r.count === 5)).toBe(true);
        expect(await cache.countConnections('alice')).toBe(5);
      });

      it('enforces the maximum across two caches on the same server', async () => {
        const other = await peer();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? cache : other).tryAddConnection('bob', `c${i}`, 3, 5_000)));
        expect(results.filter((r) => r.ok)).toHaveLength(3);
        expect(await other.countConnections('bob')).toBe(3);
      });

      it('treats adding a registered connection again as a refresh, even at the maximum', async () => {
        expect(await cache.tryAddConnection('carol', 'a', 2, 5_000)).toEqual({ ok: true, count: 1 });
        expect(await cache.tryAddConnection('carol', 'b', 2, 5_000)).toEqual({ ok: true, count: 2 });
        expect(await cache.tryAddConnection('carol', 'a', 2, 5_000)).toEqual({ ok: true, count: 2 });
        expect(await cache.tryAddConnection('carol', 'c', 2, 5_000)).toEqual({ ok: false, count: 2 });
      });

      it('frees a slot on remove; removing twice or an unknown id is harmless', async () => {
        await cache.tryAddConnection('dave', 'a', 1, 5_000);
        expect((await cache.tryAddConnection('dave', 'b', 1, 5_000)).ok).toBe(false);
        await cache.removeConnection('dave', 'a');
        await cache.removeConnection('dave', 'a');
        await cache.removeConnection('dave', 'never-added');
        expect(await cache.countConnections('dave')).toBe(0);
        expect(await cache.tryAddConnection('dave', 'b', 1, 5_000)).toEqual({ ok: true, count: 1 });
      });

      it('stops counting connections that were not refreshed in time', async () => {
        await cache.tryAddConnection('erin', 'stale', 2, 100);
        await cache.tryAddConnection('erin', 'live', 2, 5_000);
        expect((await cache.tryAddConnection('erin', 'third', 2, 5_000)).ok).toBe(false);
        await sleep(150);
        expect(await cache.countConnections('erin')).toBe(1);
        expect(await cache.tryAddConnection('erin', 'third', 2, 5_000)).toEqual({ ok: true, count: 2 });
      });

      it('keeps refreshed connections alive', async () => {
        await cache.tryAddConnection('frank', 'a', 5, 150);
        await cache.tryAddConnection('frank', 'b', 5, 150);
        await sleep(80);
        await cache.refreshConnection('frank', 'a', 400);
        await sleep(120);
        expect(await cache.countConnections('frank')).toBe(1);
      });

      it("stops counting a holder's slots as soon as its lease is gone (a dead process's connections)", async () => {
        expect(await cache.acquireLease('instance:dead', 'dead', 60_000)).toBe(true);
        expect(await cache.acquireLease('instance:alive', 'alive', 60_000)).toBe(true);
        expect((await cache.tryAddConnection('heidi', 'd1', 3, 60_000, 'instance:dead')).ok).toBe(true);
        expect((await cache.tryAddConnection('heidi', 'd2', 3, 60_000, 'instance:dead')).ok).toBe(true);
        expect((await cache.tryAddConnection('heidi', 'a1', 3, 60_000, 'instance:alive')).ok).toBe(true);
        expect(await cache.tryAddConnection('heidi', 'a2', 3, 60_000, 'instance:alive')).toEqual({ ok: false, count: 3 });
        await cache.releaseLease('instance:dead', 'dead'); // as when its lease expires
        expect(await cache.countConnections('heidi')).toBe(1);
        expect(await cache.tryAddConnection('heidi', 'a2', 3, 60_000, 'instance:alive')).toEqual({ ok: true, count: 2 });
        await cache.refreshConnection('heidi', 'a2', 60_000, 'instance:alive');
        await cache.removeConnection('heidi', 'a1');
        expect(await cache.countConnections('heidi')).toBe(1);
      });

      it('counts users separately; an unknown user has none', async () => {
        await cache.tryAddConnection('gina', 'a', 1, 5_000);
        expect(await cache.tryAddConnection('hank', 'a', 1, 5_000)).toEqual({ ok: true, count: 1 });
        expect(await cache.countConnections('nobody')).toBe(0);
      });
    });

    describe('leases', () => {
      it('is held by one owner at a time', async () => {
        expect(await cache.acquireLease('user:alice', 'p1', 5_000)).toBe(true);
        expect(await cache.acquireLease('user:alice', 'p2', 5_000)).toBe(false);
        expect(await cache.leaseOwner('user:alice')).toBe('p1');
        expect(await cache.acquireLease('user:alice', 'p1', 5_000)).toBe(true);
        expect(await cache.leaseOwner('other')).toBeNull();
      });

      it('goes to exactly one of many concurrent claimants, across caches', async () => {
        const other = await peer();
        const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? cache : other).acquireLease('run-lock', `owner-${i}`, 5_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await cache.leaseOwner('run-lock')).toBe(`owner-${winner}`);
      });

      it('is renewed and released only by its owner', async () => {
        await cache.acquireLease('l', 'p1', 5_000);
        expect(await cache.renewLease('l', 'p2', 5_000)).toBe(false);
        await cache.releaseLease('l', 'p2');
        expect(await cache.leaseOwner('l')).toBe('p1');
        expect(await cache.renewLease('l', 'p1', 5_000)).toBe(true);
        await cache.releaseLease('l', 'p1');
        expect(await cache.leaseOwner('l')).toBeNull();
        expect(await cache.renewLease('l', 'p1', 5_000)).toBe(false);
        expect(await cache.acquireLease('l', 'p2', 5_000)).toBe(true);
      });

      it('expires unless renewed', async () => {
        await cache.acquireLease('short', 'p1', 100);
        await cache.acquireLease('renewed', 'p1', 300);
        await sleep(80);
        expect(await cache.renewLease('renewed', 'p1', 400)).toBe(true);
        await sleep(100);
        expect(await cache.leaseOwner('short')).toBeNull();
        expect(await cache.renewLease('short', 'p1', 1_000)).toBe(false);
        expect(await cache.acquireLease('short', 'p2', 1_000)).toBe(true);
        expect(await cache.leaseOwner('renewed')).toBe('p1');
      });

      it('renews many leases in one call: each still ours is extended, the others are left alone, in order', async () => {
        await cache.acquireLease('batch:a', 'p1', 150);
        await cache.acquireLease('batch:b', 'p2', 150);
        await cache.acquireLease('batch:c', 'p1', 150);
        expect(await cache.renewLeases(['batch:a', 'batch:b', 'batch:gone', 'batch:c'], 'p1', 1_000)).toEqual([true, false, false, true]);
        await sleep(200);
        expect(await cache.leaseOwner('batch:a')).toBe('p1');
        expect(await cache.leaseOwner('batch:c')).toBe('p1');
        // Not extended for p1: p2's ran out as it would have.
        expect(await cache.leaseOwner('batch:b')).toBeNull();
        expect(await cache.renewLeases([], 'p1', 1_000)).toEqual([]);
        await expect(cache.renewLeases(['batch:a'], 'p1', 0)).rejects.toThrow(RangeError);
      });

      it('renews more leases than one script takes, in one call', async () => {
        const keys = Array.from({ length: 1_203 }, (_, i) => `many:${i}`);
        await Promise.all(keys.map((key, i) => cache.acquireLease(key, i % 3 === 0 ? 'other' : 'p1', 5_000)));
        const renewed = await cache.renewLeases(keys, 'p1', 5_000);
        expect(renewed).toEqual(keys.map((_, i) => i % 3 !== 0));
      });
    });

    describe('pub/sub', () => {
      it('delivers published messages to subscribers, in order', async () => {
        const publisher = await peer();
        const box = inbox();
        await cache.subscribe('events:alice', box.handler);
        for (const m of ['one', 'two', 'three']) await publisher.publish('events:alice', m);
        await box.waitFor('three');
        expect(box.messages).toEqual(['one', 'two', 'three']);
      });

      it('stops delivery on unsubscribe, leaving other subscribers of the channel', async () => {
        const publisher = await peer();
        const [a, b, sentinel] = [inbox(), inbox(), inbox()];
        const unsubscribeA = await cache.subscribe('ch', a.handler);
        const unsubscribeB = await cache.subscribe('ch', b.handler);
        await cache.subscribe('sentinel', sentinel.handler);

        await publisher.publish('ch', 'first');
        await b.waitFor('first');
        await unsubscribeA();
        await unsubscribeA();
        await publisher.publish('ch', 'second');
        await b.waitFor('second');
        await unsubscribeB();
        await publisher.publish('ch', 'third');
        await publisher.publish('sentinel', 'done');
        await sentinel.waitFor('done');

        expect(a.messages).toEqual(['first']);
        expect(b.messages).toEqual(['first', 'second']);
      });

      it('delivers to the channel subscribed to only', async () => {
        const publisher = await peer();
        const [a, b] = [inbox(), inbox()];
        await cache.subscribe('a', a.handler);
        await cache.subscribe('b', b.handler);
        await publisher.publish('a', 'for-a');
        await publisher.publish('b', 'for-b');
        await b.waitFor('for-b');
        await a.waitFor('for-a');
        expect(a.messages).toEqual(['for-a']);
        expect(b.messages).toEqual(['for-b']);
      });

      it('keeps delivering when a subscriber throws, and says so', async () => {
        const box = inbox();
        await cache.subscribe('ch', () => {
          throw new Error('handler bug');
        });
        await cache.subscribe('ch', box.handler);
        await (await peer()).publish('ch', 'x');
        await box.waitFor('x');
        expect(warnings).toEqual([expect.stringContaining('handler bug')]);
        warnings = [];
      });
    });

    describe('key prefixes', () => {
      it('isolate caches with different prefixes', async () => {
        const otherPrefix = `${uniqueTestName('cachetest')}:`;
        const other = await open(otherPrefix);
        await cache.hitRateLimit('alice', 1, 5_000);
        expect((await other.hitRateLimit('alice', 1, 5_000)).allowed).toBe(true);
        await cache.tryAddConnection('alice', 'c', 1, 5_000);
        expect((await other.tryAddConnection('alice', 'd', 1, 5_000)).ok).toBe(true);
        await cache.acquireLease('l', 'p1', 5_000);
        expect(await other.acquireLease('l', 'p2', 5_000)).toBe(true);

        const [mine, theirs] = [inbox(), inbox()];
        await cache.subscribe('ch', mine.handler);
        await other.subscribe('ch', theirs.handler);
        await other.publish('ch', 'theirs');
        await cache.publish('ch', 'mine');
        await mine.waitFor('mine');
        await theirs.waitFor('theirs');
        expect(mine.messages).toEqual(['mine']);
        expect(theirs.messages).toEqual(['theirs']);
      });

      // Read through a separate client on the real server: only an adapter with a server has one to read.
      if (harness.server) {
        it('stores every key under the prefix, each with a TTL', async () => {
          await cache.hitRateLimit('alice', 5, 5_000);
          await cache.tryAddConnection('alice', 'c', 5, 5_000);
          await cache.acquireLease('l', 'p1', 5_000);
          const keys = (await adminClient().keys(`${escapeGlob(prefix)}*`)).sort();
          expect(keys).toEqual([`${prefix}conn:alice`, `${prefix}lease:l`, `${prefix}rate:alice`]);
          for (const key of keys) {
            const ttl = await adminClient().pttl(key);
            expect(ttl).toBeGreaterThan(0);
            expect(ttl).toBeLessThanOrEqual(5_000);
          }
        });
      }
    });

    it('refuses commands once closed', async () => {
      await cache.close();
      await cache.close();
      await expect(cache.ping()).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(cache.hitRateLimit('a', 1, 1_000)).rejects.toBeInstanceOf(CacheUnavailableError);
      await expect(cache.subscribe('ch', () => undefined)).rejects.toBeInstanceOf(CacheUnavailableError);
    });
  });
}

describe('cache adapters', () => {
  it('are labels with capabilities, looked up by name; an unknown name is UNKNOWN_ADAPTER listing the known ones', () => {
    expect(cacheAdapter('memory')).toEqual({ name: 'memory', schemes: ['memory'], capabilities: { crossProcess: false } });
    expect(cacheAdapter('redis')).toEqual({ name: 'redis', schemes: ['redis', 'rediss'], capabilities: { crossProcess: true } });
    expect(CACHE_ADAPTER_NAMES).toEqual(['memory', 'redis']);
    for (const name of ['memcached', 'toString', '']) {
      const error = (() => {
        try {
          return cacheAdapter(name);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({
        code: 'UNKNOWN_ADAPTER',
        known: ['memory', 'redis'],
        message: `Unknown cache adapter "${name}": known adapters are memory, redis.`,
      });
    }
  });
});

describe('createCache', () => {
  it('gives the in-process cache without a URL or with memory://', async () => {
    for (const redisUrl of [undefined, '', 'memory://']) {
      const cache = await createCache({ redisUrl });
      expect(cache.kind).toBe('memory');
      await cache.close();
    }
  });

  it('gives every in-process cache its own data', async () => {
    const [a, b] = [await createCache({}), await createCache({})];
    await a.acquireLease('l', 'a', 5_000);
    expect(await b.leaseOwner('l')).toBeNull();
    await Promise.all([a.close(), b.close()]);
  });

  it('refuses other schemes without echoing the URL', async () => {
    const error = await createCache({ redisUrl: 'http://user:hunter2@example.com' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdapterError);
    expect(error).toMatchObject({ code: 'UNSUPPORTED_URL', known: ['memory', 'redis', 'rediss'] });
    expect((error as Error).message).toMatch(/redis:\/\//);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe.runIf(CACHES.includes('redis'))('redis connection', () => {
  it('fails createCache fast with CacheUnavailableError when nothing listens', async () => {
    const started = Date.now();
    const error = await createCache({ redisUrl: 'redis://user:s3cret-pw@127.0.0.1:1', warn: () => undefined }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error).toBeInstanceOf(CacheUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('Redis at 127.0.0.1:1 is unreachable');
    expect(message).toContain('start it or fix REDIS_URL');
    expect(message).not.toContain('s3cret');
  });

  it.skipIf(!redisUp)('fails commands fast while disconnected, then reconnects and resubscribes by itself', async () => {
    const upstream = new URL(TEST_REDIS_URL);
    const proxy = new TcpProxy(upstream.hostname || '127.0.0.1', Number(upstream.port || 6379));
    await proxy.start();
    const viaProxy = new URL(TEST_REDIS_URL);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);

    const keyPrefix = `${uniqueTestName('cachetest')}:`;
    const warnings: string[] = [];
    const cache = await createCache({ redisUrl: viaProxy.toString(), keyPrefix, warn: (m) => void warnings.push(m) });
    const direct = await createCache({ redisUrl: TEST_REDIS_URL, keyPrefix });
    try {
      const box = inbox();
      await cache.subscribe('events', box.handler);
      await direct.publish('events', 'before');
      await box.waitFor('before');

      await proxy.stop();
      await eventually(() =>
        cache.ping().then(
          () => false,
          (e: unknown) => e instanceof CacheUnavailableError,
        ),
      );
      const attempts: Array<() => Promise<unknown>> = [
        () => cache.ping(),
        () => cache.hitRateLimit('alice', 5, 1_000),
        () => cache.tryAddConnection('alice', 'c', 5, 1_000),
        () => cache.acquireLease('l', 'p', 1_000),
        () => cache.publish('events', 'x'),
        () => cache.subscribe('other', () => undefined),
      ];
      for (const attempt of attempts) {
        const started = Date.now();
        await expect(attempt()).rejects.toBeInstanceOf(CacheUnavailableError);
        expect(Date.now() - started).toBeLessThan(500);
      }

      await proxy.start();
      await eventually(() => cache.ping().then(() => true), 6_000);
      // Resubscription follows the reconnect; publish until a message arrives.
      let n = 0;
      await eventually(async () => {
        await direct.publish('events', `after-${++n}`);
        await sleep(50);
        return box.messages.some((m) => m.startsWith('after-'));
      }, 3_000);
      expect(await cache.hitRateLimit('alice', 5, 1_000)).toMatchObject({ allowed: true, count: 1 });
      expect(warnings.some((w) => w.includes('connection lost'))).toBe(true);
      expect(warnings.some((w) => w.includes('reconnected'))).toBe(true);
      expect(warnings.join('\n')).toContain(`127.0.0.1:${proxy.port}`);
    } finally {
      await Promise.all([cache.close(), direct.close()]);
      await proxy.stop();
      await deleteKeys(keyPrefix);
    }
  });
});

/** A TCP forwarder that can be stopped and restarted on the same port, to cut a connection. */
class TcpProxy {
  port = 0;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly host: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((inbound) => {
      const outbound = net.connect(this.targetPort, this.host);
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
