/**
 * JSON parsing that survives anything a client can send: malformed text, `__proto__`
 * and `constructor.prototype` keys (stripped, so nothing downstream can pollute a
 * prototype), deep nesting (refused past MAX_JSON_DEPTH), numbers outside the finite
 * double range (refused).
 */
import { MAX_JSON_DEPTH } from './limits.ts';

export type SafeJsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function safeJsonParse(text: string, maxDepth: number = MAX_JSON_DEPTH): SafeJsonResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : 'malformed JSON' };
  }
  return sanitizeJsonValue(parsed, maxDepth);
}

/**
 * Returns a clean copy of an already-parsed value (Socket.IO may deliver objects): plain
 * objects only, dangerous keys removed, depth and numbers checked.
 */
export function sanitizeJsonValue(value: unknown, maxDepth: number = MAX_JSON_DEPTH): SafeJsonResult {
  try {
    return { ok: true, value: clean(value, 0, maxDepth) };
  } catch (err) {
    if (err instanceof JsonRefusal) return { ok: false, reason: err.message };
    throw err;
  }
}

class JsonRefusal extends Error {}

function clean(value: unknown, depth: number, maxDepth: number): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new JsonRefusal('number out of range');
    return value;
  }
  if (depth >= maxDepth) throw new JsonRefusal(`nested deeper than ${maxDepth} levels`);
  if (Array.isArray(value)) return value.map((item) => clean(item, depth + 1, maxDepth));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      if (key === '__proto__') continue;
      const item = (value as Record<string, unknown>)[key];
      if (key === 'constructor' && item !== null && typeof item === 'object' && 'prototype' in item) continue;
      Object.defineProperty(out, key, { value: clean(item, depth + 1, maxDepth), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new JsonRefusal(`unsupported value of type ${typeof value}`);
}
