/**
 * What became of each message sent from the composer: the server's reply to it, matched by
 * `message_id` (a `message_ack`, a `pong`, an `error`); an error without a `message_id` (the
 * text was not JSON, or too large to read) goes to the user's oldest message still waiting
 * that had no readable id. Pure, so the matching is tested on its own.
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

export type SendOutcome =
  | { kind: 'pending' }
  | { kind: 'acked'; runId: string; threadId: string; queuePosition: number }
  | { kind: 'duplicate'; runId: string }
  | { kind: 'pong' }
  | { kind: 'error'; code: string; message: string };

export interface SentMessage {
  key: number;
  userId: string;
  text: string;
  sentAt: number;
  /** The `message_id` the text carried (null when it had none or was not JSON). */
  messageId: string | null;
  outcome: SendOutcome;
  /** When the outcome arrived (ms since the epoch). */
  answeredAt?: number;
}

/** The `message_id` of a message's text, when it is JSON with a string id. */
export function messageIdOf(text: string): string | null {
  try {
    const v = JSON.parse(text) as { message_id?: unknown } | null;
    return v && typeof v === 'object' && typeof v.message_id === 'string' ? v.message_id : null;
  } catch {
    return null;
  }
}

export function outcomeOf(envelope: ReceivedEnvelope): SendOutcome | null {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  if (envelope.type === 'message_ack') {
    const runId = String(p.run_id ?? envelope.run_id ?? '');
    if (p.duplicate === true) return { kind: 'duplicate', runId };
    return { kind: 'acked', runId, threadId: String(p.thread_id ?? envelope.thread_id ?? ''), queuePosition: Number(p.queue_position ?? 0) };
  }
  if (envelope.type === 'pong') return { kind: 'pong' };
  if (envelope.type === 'error') return { kind: 'error', code: String(p.code ?? 'ERROR'), message: String(p.message ?? '') };
  return null;
}

function replyMessageId(envelope: ReceivedEnvelope): string | null {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  const id = p.message_id ?? envelope.message_id;
  return typeof id === 'string' && id ? id : null;
}

/**
 * The sent list with this reply recorded on the message it answers (newest first, as the
 * list is kept), or null when it answers none of them (a run event, a resume's replay...).
 */
export function applyReply(sent: readonly SentMessage[], userId: string, envelope: ReceivedEnvelope, at: number): SentMessage[] | null {
  const outcome = outcomeOf(envelope);
  if (!outcome) return null;
  const id = replyMessageId(envelope);
  let index = -1;
  for (let i = sent.length - 1; i >= 0; i--) {
    const s = sent[i]!;
    if (s.userId !== userId || s.outcome.kind !== 'pending') continue;
    if (id !== null ? s.messageId === id : s.messageId === null) {
      index = i;
      break;
    }
  }
  if (index < 0 && id !== null && outcome.kind === 'error') {
    // an error naming an id the text did not carry readably (e.g. a message_id of the wrong type)
    for (let i = sent.length - 1; i >= 0; i--) {
      const s = sent[i]!;
      if (s.userId === userId && s.outcome.kind === 'pending' && s.messageId === null) {
        index = i;
        break;
      }
    }
  }
  if (index < 0) return null;
  const next = sent.slice();
  next[index] = { ...sent[index]!, outcome, answeredAt: at };
  return next;
}

/** A new message id, the kind the templates use. */
export function newMessageId(): string {
  return `m_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * The text with a fresh `message_id` (the same text when it is not a JSON object): an existing
 * string id is replaced in place (the rest of the text untouched), a missing one is added.
 * A non-string id is left as it is (the "wrong types" template sends it on purpose).
 */
export function withFreshMessageId(text: string, id: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return text;
  const current = (value as { message_id?: unknown }).message_id;
  if (typeof current === 'string') {
    const pattern = new RegExp(`("message_id"\\s*:\\s*)${JSON.stringify(current).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    const replaced = text.replace(pattern, `$1${JSON.stringify(id)}`);
    if (replaced !== text) return replaced;
  }
  if (current !== undefined && typeof current !== 'string') return text;
  const { type, ...rest } = value as Record<string, unknown>;
  const ordered = type === undefined ? { message_id: id, ...rest } : { type, message_id: id, ...rest };
  return JSON.stringify(ordered, null, 2);
}
