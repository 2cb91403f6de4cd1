/** `send`: sends an envelope, raw text or an oversized message as a user, and waits for its reply. */
import { z } from 'zod';
import { inboundMessageBytes, MAX_MESSAGE_BYTES } from '../../protocol/index.ts';
import { isJsonText } from '../json-text.ts';
import { mismatches } from '../pattern-matcher.ts';
import { mismatchLines } from '../run-expectations.ts';
import { patternSchema, stepUserOf, timeoutMs, userKey, varName } from './fields.ts';
import { claim, defineStep, StepFailed, summarize, type InboxItem } from './step-definition.ts';

/**
 * An envelope to send, kept exactly as written: a record schema would copy it and drop a
 * `__proto__` key, which bad-input scenarios send on purpose.
 */
const plainObject = z.custom<Record<string, unknown>>((v) => v !== null && typeof v === 'object' && !Array.isArray(v), 'expected an object (an envelope)');

export const sendStepSchema = z
  .strictObject({
    as: userKey,
    /** Any envelope (object), sent as JSON. Gets a generated `message_id` unless it has one or `auto_id` is false. */
    message: plainObject.optional(),
    /** Raw text, sent as-is (malformed JSON and other bad input). */
    raw: z.string().optional(),
    /** Send a `user_message` padded to exactly this many UTF-8 bytes. */
    oversize_bytes: z.number().int().min(64).max(1_048_576).optional(),
    auto_id: z.boolean().optional(),
    /** Wait for the reply to this message: `ack` (a message_ack), an error code, or `none`. Default: `ack` for user_message, `pong` for ping, `none` otherwise. */
    expect: z.union([z.literal('ack'), z.literal('pong'), z.literal('none'), z.strictObject({ error: z.string().min(1) })]).optional(),
    /** Save the reply envelope (ack or error) as this variable: `{{name.payload.run_id}}`, with shortcuts `{{name.run_id}}`, `{{name.thread_id}}`. */
    save_as: varName.optional(),
    /** Pattern the reply must match (e.g. `{payload: {duplicate: true}}`). */
    reply: patternSchema.optional(),
    timeout_ms: timeoutMs.optional(),
  })
  .refine((s) => [s.message, s.raw, s.oversize_bytes].filter((v) => v !== undefined).length === 1, {
    message: 'send needs exactly one of message, raw, oversize_bytes',
  });

export type SendStep = z.infer<typeof sendStepSchema>;

function peekObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function buildOversize(bytes: number, messageId: string): string {
  const prefix = `{"type":"user_message","message_id":"${messageId}","payload":{"content":"`;
  const suffix = '"}}';
  const fill = bytes - new TextEncoder().encode(prefix + suffix).length;
  if (fill < 1) throw new StepFailed({ message: `oversize_bytes ${bytes} is too small for an envelope` });
  return `${prefix}${'x'.repeat(fill)}${suffix}`;
}

export const sendStep = defineStep({
  kind: 'send',
  schema: () => sendStepSchema,
  description: 'Send as a user: one of message (an envelope), raw (text as-is) or oversize_bytes; waits for the ack/pong/error per expect.',
  user: stepUserOf,
  patterns: (spec) => (spec.reply !== undefined ? [['reply', spec.reply]] : []),
  label(s) {
    const what =
      s.message !== undefined ? String(s.message.type ?? 'message') : s.raw !== undefined ? 'raw text' : `user_message of ${String(s.oversize_bytes)} bytes`;
    const expect = s.expect && typeof s.expect === 'object' ? ` expecting ${s.expect.error}` : '';
    return `send ${what} as ${s.as}${expect}`;
  },
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.as);
    if (!u.connection || u.connection.state !== 'open') throw new StepFailed({ message: `${u.key} is not connected (add a connect step first)` });
    const autoId = run.nextMessageId();
    let data: unknown;
    let messageId: string | undefined;
    let type: string | undefined;
    let what: string;
    if (spec.message !== undefined) {
      const message = run.render(spec.message);
      if (spec.auto_id !== false && message.message_id === undefined) message.message_id = autoId;
      data = message;
      messageId = typeof message.message_id === 'string' ? message.message_id : undefined;
      type = typeof message.type === 'string' ? message.type : undefined;
      what = type ?? 'message';
    } else if (spec.raw !== undefined) {
      const text = run.renderStr(spec.raw);
      data = text;
      // Raw text that is a JSON object still names its type and id: the reply is correlated by them.
      const parsed = peekObject(text);
      messageId = typeof parsed?.message_id === 'string' ? parsed.message_id : undefined;
      type = typeof parsed?.type === 'string' ? parsed.type : undefined;
      what = `raw text (${new TextEncoder().encode(text).length} bytes)`;
    } else {
      data = buildOversize(spec.oversize_bytes as number, autoId);
      messageId = autoId;
      type = 'user_message';
      what = `user_message of ${spec.oversize_bytes} bytes`;
    }
    const expectation = spec.expect ?? (type === 'user_message' ? 'ack' : type === 'ping' ? 'pong' : 'none');
    const mark = u.inbox.length;
    // The server answers a message it cannot read (not JSON, or too large to read) with an error
    // whose message_id is null (a too-large one whose JSON it can still read carries its id), and
    // one without an id with an id of its own: such replies are paired by order.
    const unreadable = inboundMessageBytes(data) > MAX_MESSAGE_BYTES || (typeof data === 'string' && !isJsonText(data));
    const sendNo = run.nextSendNo();
    if (unreadable || messageId === undefined) u.pendingAnonymous.push({ sendNo, kind: unreadable ? 'unreadable' : 'noid' });
    try {
      run.send(u, data, messageId);
    } catch (err) {
      throw new StepFailed({ message: `send failed: ${err instanceof Error ? err.message : String(err)}` });
    }
    const resumeOf = type === 'resume' && typeof data === 'object' ? (data as { payload?: { run_id?: unknown } }).payload?.run_id : undefined;
    if (typeof resumeOf === 'string') run.markResumed(u.key, resumeOf);
    result.title = `send ${what} as ${u.key}`;
    if (expectation === 'none') {
      if (spec.save_as !== undefined || spec.reply !== undefined) {
        throw new StepFailed({
          message: `${spec.save_as !== undefined ? 'save_as' : 'reply'} needs a reply to wait for, but a ${type ?? 'message of unknown type'} gets none by default: set expect (ack, pong or {error: CODE})`,
        });
      }
      return;
    }

    const expectedText = expectation === 'ack' ? 'message_ack' : expectation === 'pong' ? 'pong' : `error ${expectation.error}`;
    const correlates = (item: InboxItem): boolean => {
      const e = item.envelope;
      const p = (e.payload ?? {}) as Record<string, unknown>;
      if (item.answersSend !== undefined) return item.answersSend === sendNo;
      if (messageId === undefined) return false;
      if (e.type === 'message_ack' || e.type === 'error') return p.message_id === messageId;
      if (e.type === 'pong') return e.message_id === messageId;
      return false;
    };
    const timeout = run.timeout(spec.timeout_ms);
    const reply = await run.waitFor(
      // Claimed in the same tick it is found, so a parallel branch cannot take it too.
      () => claim(u.inbox.slice(mark).find((item) => !item.consumed && correlates(item))),
      timeout,
      () => ({
        message: `no ${expectedText} within ${timeout} ms`,
        expected: [expectedText],
        received: u.inbox
          .slice(mark)
          .map((i) => summarize(i.envelope))
          .slice(0, 20),
      }),
      u,
    );
    const e = reply.envelope;
    const p = (e.payload ?? {}) as Record<string, unknown>;
    const got = e.type === 'error' ? `error ${String(p.code)}: ${String(p.message)}` : summarize(e);
    const wanted =
      expectation === 'ack' ? e.type === 'message_ack' : expectation === 'pong' ? e.type === 'pong' : e.type === 'error' && p.code === expectation.error;
    if (!wanted) throw new StepFailed({ message: `expected ${expectedText}, received ${got}`, expected: [expectedText], received: [got] });
    result.title += ` → ${e.type === 'message_ack' ? `ack run ${String(p.run_id)}${p.duplicate ? ' (duplicate)' : ''}` : got}`;
    if (spec.reply !== undefined) {
      const diff = mismatches(run.render(spec.reply), e, 'reply');
      if (diff.length > 0) throw new StepFailed({ message: `the reply does not match`, ...mismatchLines(diff) });
    }
    if (spec.save_as) run.vars[spec.save_as] = { ...e, ...p, envelope: e };
  },
});
