/**
 * Normalization of legacy message shapes, applied before validation (protocol.md §3):
 * `data` for `payload`; type names case-insensitive with `-` read as `_`; the aliases
 * `chat`, `message`, `user_msg`; an object with `content` (or `message`) and no `type`;
 * a bare JSON string. Also `payload.message` for `payload.content` (documented extension).
 */
// A Map, not an object literal: `__proto__` or `constructor` must not find Object.prototype.
const TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['chat', 'user_message'],
  ['message', 'user_message'],
  ['user_msg', 'user_message'],
]);

export function normalizeTypeName(type: string): string {
  const canonical = type.trim().toLowerCase().replace(/-/g, '_');
  return TYPE_ALIASES.get(canonical) ?? canonical;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Maps any accepted shape onto the canonical envelope shape. Values that cannot be
 * normalized (numbers, arrays, null) are returned unchanged for validation to refuse.
 */
export function normalizeMessage(value: unknown): unknown {
  if (typeof value === 'string') return { type: 'user_message', payload: { content: value } };
  if (!isRecord(value)) return value;

  const out: Record<string, unknown> = { ...value };
  if (out.payload === undefined && out.data !== undefined) {
    out.payload = out.data;
  }
  delete out.data;

  if (typeof out.type === 'string') {
    out.type = normalizeTypeName(out.type);
  } else if (out.type === undefined) {
    const content = out.content ?? out.message;
    const payloadContent = isRecord(out.payload) ? (out.payload.content ?? out.payload.message) : undefined;
    if (content !== undefined || payloadContent !== undefined) {
      out.type = 'user_message';
    }
  }

  if (out.type === 'user_message') {
    const payload: Record<string, unknown> = isRecord(out.payload) ? { ...out.payload } : {};
    if (!isRecord(out.payload) && out.payload !== undefined) return out; // let validation report it
    if (payload.content === undefined) {
      if (payload.message !== undefined) payload.content = payload.message;
      else if (out.content !== undefined) payload.content = out.content;
      else if (out.message !== undefined) payload.content = out.message;
    }
    delete payload.message;
    if (payload.agent === undefined && out.agent !== undefined) payload.agent = out.agent;
    delete out.content;
    delete out.message;
    delete out.agent;
    out.payload = payload;
  }
  return out;
}
