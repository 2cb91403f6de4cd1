import { describe, expect, it } from 'vitest';
import { parseInboundMessage } from './message-parser.ts';
import { safeJsonParse } from './safe-json.ts';
import { normalizeMessage } from './message-normalizer.ts';

const ok = (raw: unknown) => {
  const r = parseInboundMessage(raw);
  if (!r.ok) throw new Error(`expected ok, got ${r.code}: ${r.message}`);
  return r.envelope;
};
const code = (raw: unknown) => {
  const r = parseInboundMessage(raw);
  return r.ok ? 'OK' : r.code;
};

describe('parseInboundMessage', () => {
  it('accepts the canonical envelope, as text or object', () => {
    const env = { type: 'user_message', message_id: 'm1', priority: 'high', payload: { content: 'hi' } };
    expect(ok(JSON.stringify(env))).toEqual(env);
    expect(ok(env)).toEqual(env);
  });

  it('normalizes legacy shapes', () => {
    expect(ok('"just text"')).toEqual({ type: 'user_message', payload: { content: 'just text' } });
    expect(ok({ type: 'Chat', data: { content: 'a' } })).toMatchObject({ type: 'user_message', payload: { content: 'a' } });
    expect(ok({ type: 'USER-MESSAGE', payload: { content: 'b' } })).toMatchObject({ type: 'user_message' });
    expect(ok({ type: 'message', payload: { content: 'c' } })).toMatchObject({ type: 'user_message' });
    expect(ok({ content: 'd', agent: 'assistant' })).toEqual({ type: 'user_message', payload: { content: 'd', agent: 'assistant' } });
    expect(ok({ message: 'e' })).toEqual({ type: 'user_message', payload: { content: 'e' } });
    expect(ok({ type: 'cancel-run', data: { run_id: 'r1' } })).toEqual({ type: 'cancel_run', payload: { run_id: 'r1' } });
  });

  it('measures size in UTF-8 bytes, refusing above 8192', () => {
    const frame = (content: string) => JSON.stringify({ type: 'user_message', payload: { content } });
    const base = new TextEncoder().encode(frame('')).byteLength;
    const exact = '€'.repeat(Math.floor((8192 - base) / 3)) + 'x'.repeat((8192 - base) % 3);
    expect(new TextEncoder().encode(frame(exact)).byteLength).toBe(8192);
    expect(code(frame(exact))).toBe('OK');
    expect(code(frame(exact + 'x'))).toBe('MESSAGE_TOO_LARGE');
    expect(code({ type: 'user_message', payload: { content: exact + 'x' } })).toBe('MESSAGE_TOO_LARGE');
  });

  it('answers each kind of bad input with its code', () => {
    expect(code('{"type":')).toBe('INVALID_JSON');
    expect(code('')).toBe('INVALID_JSON');
    expect(code('[]')).toBe('VALIDATION_FAILED');
    expect(code('null')).toBe('VALIDATION_FAILED');
    expect(code('42')).toBe('VALIDATION_FAILED');
    expect(code({ type: 'user_message' })).toBe('VALIDATION_FAILED');
    expect(code({ type: 'user_message', payload: { content: '' } })).toBe('VALIDATION_FAILED');
    expect(code({ type: 'user_message', payload: { content: 'x' }, priority: 'urgent' })).toBe('VALIDATION_FAILED');
    expect(code({ type: 'nope' })).toBe('UNKNOWN_TYPE');
    expect(code({ type: 5 })).toBe('VALIDATION_FAILED');
    expect(code({ payload: { foo: 1 } })).toBe('VALIDATION_FAILED');
    expect(code('{"type":"resume","payload":{"run_id":"r","after_seq":1e400}}')).toBe('INVALID_JSON');
    expect(code('['.repeat(100) + ']'.repeat(100))).toBe('INVALID_JSON');
  });

  it('reports the failing paths and echoes the message id', () => {
    const r = parseInboundMessage({ type: 'resume', message_id: 'x1', payload: { run_id: 7, after_seq: -1 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.messageId).toBe('x1');
    expect(r.details?.issues?.map((i) => i.path).sort()).toEqual(['payload.after_seq', 'payload.run_id']);
  });
});

describe('NUL characters and prototype names (issue 11, defects 4 and 7)', () => {
  const issuesOf = (raw: unknown) => {
    const r = parseInboundMessage(raw);
    if (r.ok) throw new Error('expected a refusal');
    return { code: r.code, paths: (r.details?.issues ?? []).map((i) => i.path) };
  };

  it('refuses U+0000 in content, ids and any other string with VALIDATION_FAILED and the path', () => {
    expect(issuesOf('{"type":"user_message","payload":{"content":"a\\u0000b"}}')).toEqual({ code: 'VALIDATION_FAILED', paths: ['payload.content'] });
    expect(issuesOf({ type: 'user_message', message_id: 'm\u0000', thread_id: 't\u0000', payload: { content: 'x' } })).toEqual({
      code: 'VALIDATION_FAILED',
      paths: ['message_id', 'thread_id'],
    });
    expect(issuesOf({ type: 'cancel_run', payload: { run_id: '\u0000' } }).paths).toEqual(['payload.run_id']);
    expect(issuesOf({ type: 'user_message', payload: { content: 'x', agent: 'scripted', script: [{ think: 'ok' }, { respond: '\u0000' }] } }).paths).toEqual([
      'payload.script.1.respond',
    ]);
    expect(issuesOf({ type: 'ping', payload: { ['k\u0000']: 1 } }).paths).toEqual(['payload.k\\u0000']);
    expect(issuesOf('"bare\\u0000text"').paths).toEqual(['payload.content']);
    expect(issuesOf({ type: 'user\u0000message', payload: { content: 'x' } }).paths).toEqual(['type']);
    // Other control characters stay accepted.
    expect(code({ type: 'user_message', payload: { content: 'tab\tbell\u0007' } })).toBe('OK');
  });

  it('answers UNKNOWN_TYPE for names of Object.prototype members', () => {
    for (const type of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const r = parseInboundMessage(JSON.stringify({ type, payload: { content: 'x' } }));
      expect(r.ok ? 'OK' : r.code, type).toBe('UNKNOWN_TYPE');
    }
    expect(normalizeMessage({ type: '__proto__' })).toEqual({ type: '__proto__' });
  });
});

describe('safeJsonParse', () => {
  it('strips prototype-polluting keys', () => {
    const r = safeJsonParse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},"a":{"__proto__":{"y":2}}}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.keys(r.value as object)).toEqual(['a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf((r.value as { a: object }).a)).toBe(Object.prototype);
  });
});

describe('normalizeMessage', () => {
  it('leaves non-objects for validation to refuse', () => {
    expect(normalizeMessage(3)).toBe(3);
    expect(normalizeMessage(null)).toBe(null);
  });
});
