/**
 * The in-process cache (the embedded default): the Redis implementation over ioredis-mock.
 *
 * ioredis-mock shares one data set and one pub/sub bus between all its instances that use
 * the same host:port/db (and `duplicate()` shares its parent's). Each in-process cache gets
 * a host name of its own, so two caches in one process never see each other's keys, and a
 * duplicate of its command client as subscriber, so publish reaches its subscriptions.
 * Events therefore fan out within this process only; several processes need Redis.
 *
 * The keyed operations (rate limits, connection slots, leases) do not go through the mock:
 * they run as plain code on in-process state (local-coordination.ts), with no Lua VM per
 * call: one process needs atomicity within itself only (cache-types.ts).
 */
import RedisMock from 'ioredis-mock';
import type { Cache } from '../cache-types.ts';
import { RedisCache } from '../redis-commands/redis-cache.ts';
import { LocalCoordination } from './local-coordination.ts';

let instances = 0;

export interface MemoryCacheOptions {
  keyPrefix: string;
  warn: (message: string) => void;
}

export function createMemoryCache(options: MemoryCacheOptions): Cache {
  instances += 1;
  const client = new RedisMock({ host: `flowscope-memory-${process.pid}-${instances}`, lazyConnect: false });
  const subscriber = client.duplicate();
  return new RedisCache({
    kind: 'memory',
    crossProcess: false,
    coordination: new LocalCoordination(),
    client,
    subscriber,
    keyPrefix: options.keyPrefix,
    clock: 'local',
    label: 'the in-process cache',
    warn: options.warn,
    shutdown: async () => {
      // The mock keeps every data set in a module-level map: empty ours before leaving.
      await client.flushall();
      subscriber.disconnect();
      client.disconnect();
    },
  });
}
