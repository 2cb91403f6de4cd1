/**
 * Property-based fuzzing of the inbound path (issue 11): generated input of every kind of
 * bad (and some good) message, first through the parser alone, then over both transports
 * against a real backend. Properties: nothing throws or crashes, no reply carries a stack
 * trace or a file path, each kind of input gets its own code (the oracle is the generator's
 * kind, not the parser), every message gets exactly one reply, and the server logs no error.
 *
 * Bounded for CI; FUZZ_RUNS=<n> runs n live samples per transport and 10 n parser samples
 * (e.g. FUZZ_RUNS=10000 npx vitest run backend/reception/inbound-pipeline.fuzz.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { ERROR_CODES, MAX_MESSAGE_BYTES, parseInboundMessage } from '../../protocol/index.ts';
import { startBackend, type RunningBackend } from '../server/flowscope-server.ts';

const LIVE_RUNS = Number(process.env.FUZZ_RUNS ?? 80);
const PARSER_RUNS = LIVE_RUNS * 10;
const LONG = process.env.FUZZ_RUNS !== undefined;
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

type Expected = 'INVALID_JSON' | 'MESSAGE_TOO_LARGE' | 'VALIDATION_FAILED' | 'UNKNOWN_TYPE' | 'PONG';
interface Sample {
  kind: string;
  raw: string;
  expected: Expected;
  /** For VALIDATION_FAILED: a path the issues must name. */
  path?: string;
}

const encoder = new TextEncoder();
const bytes = (s: string) => encoder.encode(s).byteLength;
const KNOWN = new Set(['user_message', 'ping', 'cancel_run', 'resume', 'chat', 'message', 'user_msg']);
const canonical = (t: string) => t.trim().toLowerCase().replace(/-/g, '_');
const noNul = (s: string) => !s.includes('\u0000');

const text = fc.string({ unit: 'binary', maxLength: 40 });
const cleanText = text.filter(noNul);
const id = fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter(noNul);

const samples: fc.Arbitrary<Sample> = fc.oneof(
  // Text that is not JSON: a valid envelope cut short, or with garbage appended.
  fc
    .tuple(cleanText, fc.nat(), fc.constantFrom('', ' x', ',', '}', ']]', "'"))
    .map(([content, cut, tail]) => {
      const full = JSON.stringify({ type: 'user_message', payload: { content: content || 'x' } });
      return full.slice(0, cut % full.length) + tail;
    })
    .filter((raw) => {
      try {
        JSON.parse(raw);
        return false;
      } catch {
        return true;
      }
    })
    .map((raw): Sample => ({ kind: 'malformed JSON', raw, expected: 'INVALID_JSON' })),
  // Nesting deeper than 64, and numbers outside the double range.
  fc.integer({ min: 65, max: 400 }).map((depth): Sample => ({ kind: 'deep nesting', raw: '['.repeat(depth) + ']'.repeat(depth), expected: 'INVALID_JSON' })),
  fc
    .constantFrom('1e999', '-1e400', '123e99999')
    .map((n): Sample => ({ kind: 'huge number', raw: `{"type":"resume","payload":{"run_id":"r","after_seq":${n}}}`, expected: 'INVALID_JSON' })),
  // Over 8192 bytes (multi-byte characters included).
  fc.tuple(fc.constantFrom('x', 'é', '€', '😀'), fc.integer({ min: 1, max: 200 })).map(([ch, extra]): Sample => {
    const base = JSON.stringify({ type: 'user_message', payload: { content: '' } });
    const content = ch.repeat(Math.ceil((MAX_MESSAGE_BYTES - bytes(base) + extra) / bytes(ch)));
    return { kind: 'too large', raw: JSON.stringify({ type: 'user_message', payload: { content } }), expected: 'MESSAGE_TOO_LARGE' };
  }),
  // JSON tops that are not objects or strings.
  fc
    .oneof(
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
    )
    .map((value): Sample => ({ kind: 'non-object top', raw: JSON.stringify(value), expected: 'VALIDATION_FAILED', path: '(root)' })),
  // Unknown types, prototype member names included.
  fc
    .oneof(
      cleanText,
      fc.constantFrom(
        '__proto__',
        'constructor',
        'toString',
        'hasOwnProperty',
        'valueOf',
        'isPrototypeOf',
        '__defineGetter__',
        'prototype',
        'agent_completed',
        'message_ack',
        'error',
        'pong',
      ),
    )
    .filter((t) => !KNOWN.has(canonical(t)))
    .map((type): Sample => ({ kind: 'unknown type', raw: JSON.stringify({ type, payload: { content: 'x' } }), expected: 'UNKNOWN_TYPE' })),
  // A NUL character somewhere.
  fc.tuple(text, text, fc.constantFrom('payload.content', 'message_id', 'thread_id', 'payload.agent')).map(([a, b, where]): Sample => {
    const nul = `${a}\u0000${b}`;
    const envelope: Record<string, unknown> = { type: 'user_message', payload: { content: where === 'payload.content' ? nul : 'x' } };
    if (where === 'message_id') envelope.message_id = nul;
    if (where === 'thread_id') envelope.thread_id = nul;
    if (where === 'payload.agent') (envelope.payload as Record<string, unknown>).agent = nul;
    return { kind: 'NUL character', raw: JSON.stringify(envelope), expected: 'VALIDATION_FAILED', path: where };
  }),
  // Fields of the wrong type.
  fc
    .oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
      fc.dictionary(id, fc.integer(), { maxKeys: 3 }),
      fc.constant(''),
    )
    .map((content): Sample => ({
      kind: 'bad content',
      raw: JSON.stringify({ type: 'user_message', payload: { content } }),
      expected: 'VALIDATION_FAILED',
      path: 'payload.content',
    })),
  fc
    .oneof(
      fc.integer({ max: -1 }),
      fc.double({ min: 0.1, max: 1e6, noNaN: true }).filter((n) => !Number.isInteger(n)),
      cleanText.map((s) => `"${s}"`),
    )
    .map((seq): Sample => ({
      kind: 'bad after_seq',
      raw: `{"type":"resume","payload":{"run_id":"r1","after_seq":${typeof seq === 'string' ? JSON.stringify(seq) : seq}}}`,
      expected: 'VALIDATION_FAILED',
      path: 'payload.after_seq',
    })),
  // Good pings (any id, prototype keys that are dropped, extra fields): a pong.
  fc
    .tuple(
      id,
      fc.boolean(),
      fc.dictionary(
        id.filter((k) => k !== '__proto__'),
        fc.jsonValue({ maxDepth: 2 }),
        { maxKeys: 3 },
      ),
    )
    .map(([messageId, proto, extra]): Sample => ({
      kind: 'ping',
      raw: `{${proto ? '"__proto__":{"polluted":true},' : ''}"type":"Ping","message_id":${JSON.stringify(messageId)},"payload":${JSON.stringify(extra)}}`,
      expected: 'PONG',
    })),
);

const STACK = /\n\s+at |\bat [\w.<>]+ \(|\.ts:\d+|node:internal|\/work\/|\/home\//;

function check(sample: Sample, reply: { type: string; payload?: unknown }): void {
  const serialized = JSON.stringify(reply);
  expect(serialized, sample.kind).not.toMatch(STACK);
  if (sample.expected === 'PONG') {
    expect({ kind: sample.kind, type: reply.type }).toEqual({ kind: sample.kind, type: 'pong' });
    return;
  }
  const payload = reply.payload as { code: string; details?: { issues?: Array<{ path: string }> } };
  expect({ kind: sample.kind, raw: sample.raw.slice(0, 200), code: payload.code }).toEqual({
    kind: sample.kind,
    raw: sample.raw.slice(0, 200),
    code: sample.expected,
  });
  if (sample.path) expect(payload.details?.issues?.map((i) => i.path)).toContain(sample.path);
}

describe('inbound path fuzzing', () => {
  it(
    `parser: ${PARSER_RUNS} generated messages, each kind with its code, nothing thrown`,
    () => {
      const kinds = new Map<string, number>();
      fc.assert(
        fc.property(samples, (sample) => {
          kinds.set(sample.kind, (kinds.get(sample.kind) ?? 0) + 1);
          const result = parseInboundMessage(sample.raw);
          if (result.ok) {
            expect(sample.expected).toBe('PONG');
            return;
          }
          expect(ERROR_CODES).toContain(result.code);
          check(sample, { type: 'error', payload: { code: result.code, details: result.details } });
        }),
        { numRuns: PARSER_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
      if (LONG) console.log(`parser fuzz: ${PARSER_RUNS} samples`, Object.fromEntries(kinds));
    },
    LONG ? 3_600_000 : 20_000,
  );

  it(
    'parser: arbitrary values and strings never throw and always give a known code',
    () => {
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary', maxLength: 300 }),
            fc.anything({ maxDepth: 4 }),
            fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
          ),
          (raw) => {
            const result = parseInboundMessage(raw);
            if (!result.ok) {
              expect(ERROR_CODES).toContain(result.code);
              expect(result.message).not.toMatch(STACK);
            }
          },
        ),
        { numRuns: PARSER_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    },
    LONG ? 3_600_000 : 20_000,
  );

  describe('live, against a real backend', () => {
    let backend: RunningBackend;
    const logged: Array<{ level: string; message: string }> = [];
    beforeAll(async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-fuzz-'));
      backend = await startBackend(
        { host: '127.0.0.1', port: 0, quiet: true, dataDir, jwtSecret: 'fuzz-secret-fuzz-secret-fuzz-secret-0000', rateLimitMessages: 10_000_000 },
        (level, message) => void logged.push({ level, message }),
      );
    });
    afterAll(async () => {
      await backend.close();
    });

    /** One connection; `exchange` sends one message and resolves with its one reply. */
    async function open(transport: 'ws' | 'socketio'): Promise<{ exchange(raw: string): Promise<{ type: string; payload?: unknown }>; close(): void }> {
      const token = await backend.mintToken(`fuzz-${transport}`);
      const inbox: Array<{ type: string; payload?: unknown }> = [];
      let wake: (() => void) | null = null;
      const push = (envelope: { type: string }) => {
        inbox.push(envelope);
        wake?.();
      };
      let send: (raw: string) => void;
      let close: () => void;
      if (transport === 'ws') {
        const ws = new WebSocket(`${backend.url.replace(/^http/, 'ws')}/ws?token=${token}`);
        ws.on('message', (data) => push(JSON.parse(String(data)) as { type: string }));
        await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
        send = (raw) => ws.send(raw);
        close = () => ws.close();
      } else {
        const socket: Socket = ioClient(backend.url, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
        socket.onAny((_event: string, envelope: { type: string }) => push(envelope));
        await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
        send = (raw) => socket.emit('message', raw);
        close = () => socket.close();
      }
      return {
        async exchange(raw) {
          send(raw);
          const deadline = Date.now() + 10_000;
          while (inbox.length === 0) {
            if (Date.now() > deadline) throw new Error(`no reply to ${raw.slice(0, 100)}`);
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, 100);
            });
          }
          const reply = inbox.shift()!;
          // Exactly one reply: give a second one a moment to show up.
          await new Promise((r) => setImmediate(r));
          expect(inbox).toEqual([]);
          return reply;
        },
        close,
      };
    }

    for (const transport of ['ws', 'socketio'] as const) {
      it(
        `${transport}: ${LIVE_RUNS} generated messages, one reply each with the code of its kind, no error logged`,
        async () => {
          const connection = await open(transport);
          const kinds = new Map<string, number>();
          await fc.assert(
            fc.asyncProperty(samples, async (sample) => {
              kinds.set(sample.kind, (kinds.get(sample.kind) ?? 0) + 1);
              check(sample, await connection.exchange(sample.raw));
            }),
            { numRuns: LIVE_RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
          );
          connection.close();
          expect(logged.filter((l) => l.level === 'error')).toEqual([]);
          expect((await backend.health()).status).toBe(200);
          if (LONG) console.log(`${transport} fuzz: ${LIVE_RUNS} samples`, Object.fromEntries(kinds));
        },
        LONG ? 3_600_000 : 60_000,
      );
    }
  });
});
