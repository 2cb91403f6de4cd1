/**
 * The Lua scripts behind every multi-step cache operation, so each runs atomically on the
 * server. They run unchanged on Redis (Lua 5.1) and on ioredis-mock (fengari, Lua 5.3 with
 * 32-bit integers): millisecond timestamps are therefore floats (`* 1000.0`).
 *
 * Scripts that need the time take it as ARGV[1]: milliseconds from the caller's clock, or
 * '' for the server's TIME. Redis uses TIME, so every process shares one clock; the
 * in-process cache passes Date.now() (it is its own server, and ioredis-mock's TIME rounds
 * the seconds and takes the microseconds from hrtime, so it is off by up to a second).
 */

/** `now` in milliseconds (a float): ARGV[1], or the server's TIME when ARGV[1] is ''. */
const NOW_MS = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
end
`;

/**
 * Fixed window: the first hit creates the counter with a TTL of the window.
 * KEYS[1] counter; ARGV[1] windowMs. Returns { count, remaining window ms }.
 */
export const HIT_RATE_LIMIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  ttl = tonumber(ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return { count, ttl }
`;

/** Keeps the whole set alive at least as long as its longest-lived member. */
const EXTEND_SET_TTL = `
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
`;

/**
 * Drops the members of the user's set (KEYS[1]) whose holder lease is gone: KEYS[2] is a
 * hash connection id → the full key of the lease whose holder the slot belongs to (an
 * instance's liveness lease). A slot of a dead process stops counting as soon as its lease
 * expired, not when its own TTL runs out. Entries of members already gone are dropped too.
 * (The lease keys are named in the hash, not declared: this needs one Redis, not a cluster.)
 */
const DROP_DEAD_HOLDERS = `
local held = redis.call('HGETALL', KEYS[2])
for i = 1, #held, 2 do
  local member, lease = held[i], held[i + 1]
  if not redis.call('ZSCORE', KEYS[1], member) then
    redis.call('HDEL', KEYS[2], member)
  elseif redis.call('EXISTS', lease) == 0 then
    redis.call('ZREM', KEYS[1], member)
    redis.call('HDEL', KEYS[2], member)
  end
end
`;

/** Records ARGV[holderArg] (when not '') as the holder of member ARGV[2]; the hash lives as long as the set. */
const recordHolder = (holderArg: number) => `
if ARGV[${holderArg}] ~= '' then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[${holderArg}])
  redis.call('PEXPIRE', KEYS[2], redis.call('PTTL', KEYS[1]))
end
`;

/**
 * KEYS[1] the user's sorted set (score = expiry ms), KEYS[2] its holder hash; ARGV[1] now,
 * ARGV[2] connection id, ARGV[3] max, ARGV[4] ttlMs, ARGV[5] holder lease key or ''. Drops
 * expired members and those of dead holders, then adds unless at max (an id already present
 * is refreshed and always ok). Returns { ok 0|1, live count after }.
 */
export const TRY_ADD_CONNECTION = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${DROP_DEAD_HOLDERS}
local ttl = tonumber(ARGV[4])
local count = redis.call('ZCARD', KEYS[1])
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  if count >= tonumber(ARGV[3]) then return { 0, count } end
  count = count + 1
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
${EXTEND_SET_TTL}
${recordHolder(5)}
return { 1, count }
`;

/**
 * KEYS[1] the user's set, KEYS[2] its holder hash; ARGV[1] now, ARGV[2] connection id,
 * ARGV[3] ttlMs, ARGV[4] holder lease key or ''. Pushes the member's expiry (re-adding it if
 * it had lapsed: the connection is evidently alive; so stop refreshing before removing).
 * Returns the live count.
 */
export const REFRESH_CONNECTION = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[2])
${EXTEND_SET_TTL}
${recordHolder(4)}
return redis.call('ZCARD', KEYS[1])
`;

/** KEYS[1] the user's set, KEYS[2] its holder hash; ARGV[1] now. Drops expired members and those of dead holders; returns the live count. */
export const COUNT_CONNECTIONS = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
${DROP_DEAD_HOLDERS}
return redis.call('ZCARD', KEYS[1])
`;

/** KEYS[1] lease; ARGV[1] owner, ARGV[2] ttlMs. Takes it if free, extends it if ours. */
export const ACQUIRE_LEASE = `
local owner = redis.call('GET', KEYS[1])
if not owner then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if owner == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS[1] lease; ARGV[1] owner, ARGV[2] ttlMs. Extends it only if ours. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

/** KEYS the leases; ARGV[1] owner, ARGV[2] ttlMs. Extends each that is ours; returns 1 (extended) or 0 per key, in order. */
export const RENEW_LEASES = `
local renewed = {}
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    renewed[i] = 1
  else
    renewed[i] = 0
  end
end
return renewed
`;

/** KEYS[1] lease; ARGV[1] owner. Deletes it only if ours. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;
