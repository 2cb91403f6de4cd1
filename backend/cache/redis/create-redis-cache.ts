/** The Redis adapter's factory: two connections (commands, subscriptions) to one server. */
import type { Cache } from '../cache-types.ts';
import { RedisCache } from '../redis-commands/redis-cache.ts';
import { describeRedisUrl, openRedisClient } from './redis-connection.ts';

export interface RedisCacheFactoryOptions {
  url: string;
  keyPrefix: string;
  warn: (message: string) => void;
}

export async function createRedisCache(options: RedisCacheFactoryOptions): Promise<Cache> {
  const { label } = describeRedisUrl(options.url);
  // Commands of one tick share a round trip; the subscriber connection stays as it is.
  const open = (role: string) =>
    openRedisClient(options.url, { connectionName: `flowscope-${role}-${process.pid}`, warn: options.warn, autoPipelining: role === 'cmd' });
  const [commands, subscriptions] = await Promise.allSettled([open('cmd'), open('sub')]);
  if (commands.status === 'rejected' || subscriptions.status === 'rejected') {
    await Promise.all([commands, subscriptions].map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    throw commands.status === 'rejected' ? commands.reason : (subscriptions as PromiseRejectedResult).reason;
  }
  return new RedisCache({
    kind: 'redis',
    crossProcess: true,
    client: commands.value.client,
    subscriber: subscriptions.value.client,
    keyPrefix: options.keyPrefix,
    clock: 'server',
    label,
    warn: options.warn,
    shutdown: async () => {
      await Promise.all([commands.value.close(), subscriptions.value.close()]);
    },
  });
}
