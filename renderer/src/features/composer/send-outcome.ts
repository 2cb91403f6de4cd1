/**
 * What became of each message sent: every sent line ends in an outcome. Pure, so the matching
 * is tested on its own.
 *
 * A reply (`message_ack`, `pong`, `error`) is matched to the line whose `message_id` it names.
 * Otherwise by send order: a connection's messages are handled in arrival order and answered
 * in that order, so a reply naming no line answers the oldest line of that connection still
 * waiting for a reply: any such line for an error without an id (text that was not JSON, too
 * large to read, rate limited), one sent without a readable id for an ack or pong naming an
 * id nobody sent (the server's own id, shown on the line).
 *
 * `cancel_run` and `resume` have no ack in the protocol: they are "sent, no ack expected" at
 * once (an error naming their id still replaces that). A cancel then follows its run: its
 * `agent_completed` (cancelled, or ended otherwise first), or the run's status asked over REST
 * (already finished, or still running). A line whose connection ended before its reply came,
 * or that was waiting when the page was reloaded, says so.
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';
import { parseInboundMessage, utf8ByteLength } from '../../../../protocol/index.ts';

/** What a cancel's run did: just sent, still running (cancel requested), cancelled, or finished otherwise. */
export type CancelResult = 'sent' | 'running' | 'cancelled' | 'finished';

export type SendOutcome =
  | { kind: 'pending' }
  /** `serverId`: the id the server gave a message sent without one. */
  | { kind: 'acked'; runId: string; threadId: string; queuePosition: number; serverId?: string }
  | { kind: 'duplicate'; runId: string }
  | { kind: 'pong' }
  | { kind: 'error'; code: string; message: string }
  /** A cancel_run: `status` is the run's end status once known; `endedBefore`: it had ended before the cancel was sent. */
  | { kind: 'cancel'; runId: string; result: CancelResult; status?: string; endedBefore?: boolean }
  /** A resume: no ack; the run's events follow in the live log. */
  | { kind: 'no-ack' }
  | { kind: 'unanswered'; reason: 'closed' | 'reloaded' };

export interface SentMessage {
  key: number;
  userId: string;
  text: string;
  sentAt: number;
  /** The `message_id` the text carried (null when it had none or was not JSON). */
  messageId: string | null;
  /** The serial of the connection it went on (0: none that can still answer, e.g. restored after a reload). */
  connection: number;
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

/** The outcome a line starts with: waiting for its reply, or (cancel_run, resume) sent with no ack expected. */
export function initialOutcome(text: string): SendOutcome {
  const parsed = parseInboundMessage(text);
  if (!parsed.ok) return { kind: 'pending' };
  if (parsed.envelope.type === 'cancel_run') return { kind: 'cancel', runId: parsed.envelope.payload.run_id, result: 'sent' };
  if (parsed.envelope.type === 'resume') return { kind: 'no-ack' };
  return { kind: 'pending' };
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

/** A cancel still following its run. */
export function isFollowingRun(s: SentMessage): boolean {
  return s.outcome.kind === 'cancel' && (s.outcome.result === 'sent' || s.outcome.result === 'running');
}

/** A line an error naming its id may still answer: waiting, or sent with no ack expected. */
function answerableById(s: SentMessage): boolean {
  return s.outcome.kind === 'pending' || s.outcome.kind === 'no-ack' || isFollowingRun(s);
}

/** Index of the oldest line (the list is newest first) that passes. */
function oldest(sent: readonly SentMessage[], pass: (s: SentMessage) => boolean): number {
  for (let i = sent.length - 1; i >= 0; i--) if (pass(sent[i]!)) return i;
  return -1;
}

function replace(sent: readonly SentMessage[], index: number, outcome: SendOutcome, at: number): SentMessage[] {
  const next = sent.slice();
  next[index] = { ...sent[index]!, outcome, answeredAt: at };
  return next;
}

/**
 * How long after its send a cancel_run or resume sent without a `message_id` may still take an
 * error without an id as its own (the server refuses an unknown run at once; an accepted one is
 * never answered, and must not take a later message's error).
 */
export const REFUSAL_WINDOW_MS = 1000;

/**
 * The sent list (newest first) with this envelope, received by `userId` on connection
 * `connection`, recorded on the line it answers; null when it answers none of them.
 */
export function applyReply(sent: readonly SentMessage[], userId: string, connection: number, envelope: ReceivedEnvelope, at: number): SentMessage[] | null {
  if (envelope.type === 'agent_completed') return applyRunEnd(sent, userId, envelope, at);
  const outcome = outcomeOf(envelope);
  if (!outcome) return null;
  const id = replyMessageId(envelope);
  const mine = (s: SentMessage) => s.userId === userId;
  if (id !== null) {
    const index = oldest(sent, (s) => mine(s) && s.messageId === id && answerableById(s));
    if (index >= 0) return replace(sent, index, outcome, at);
  }
  // by send order, on the same connection
  const waiting = (s: SentMessage) => mine(s) && s.connection === connection && s.outcome.kind === 'pending';
  // an error without an id may also answer a cancel_run or resume sent without one (an unknown
  // run): the server refuses those at once, so only within REFUSAL_WINDOW_MS of the send
  const refusable = (s: SentMessage) =>
    waiting(s) ||
    (mine(s) &&
      s.connection === connection &&
      s.messageId === null &&
      at - s.sentAt <= REFUSAL_WINDOW_MS &&
      (s.outcome.kind === 'no-ack' || (s.outcome.kind === 'cancel' && s.outcome.result === 'sent')));
  const index = outcome.kind === 'error' && id === null ? oldest(sent, refusable) : oldest(sent, (s) => waiting(s) && s.messageId === null);
  if (index < 0) return null;
  return replace(sent, index, outcome.kind === 'acked' && id !== null ? { ...outcome, serverId: id } : outcome, at);
}

/** A run's end: the cancels of that run still following it learn what became of it. */
function applyRunEnd(sent: readonly SentMessage[], userId: string, envelope: ReceivedEnvelope, at: number): SentMessage[] | null {
  const runId = envelope.run_id;
  if (typeof runId !== 'string') return null;
  const status = String(((envelope.payload ?? {}) as Record<string, unknown>).status ?? 'unknown');
  let next: SentMessage[] | null = null;
  sent.forEach((s, i) => {
    if (s.userId !== userId || !isFollowingRun(s) || s.outcome.kind !== 'cancel' || s.outcome.runId !== runId) return;
    next ??= sent.slice();
    next[i] = { ...s, outcome: { kind: 'cancel', runId, result: status === 'cancelled' ? 'cancelled' : 'finished', status }, answeredAt: at };
  });
  return next;
}

/** A run's status as the REST API gives it (`GET /api/runs/:id`). */
export interface RunStatusInfo {
  status: string;
  ended_at: string | null;
}

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** A cancel line told its run's status over REST: still running, cancelled, or finished (before the cancel, or after). */
export function applyRunStatus(sent: readonly SentMessage[], key: number, run: RunStatusInfo, at: number): SentMessage[] | null {
  const index = sent.findIndex((s) => s.key === key);
  const line = sent[index];
  if (!line || !isFollowingRun(line) || line.outcome.kind !== 'cancel') return null;
  const runId = line.outcome.runId;
  if (!ENDED.has(run.status)) return line.outcome.result === 'running' ? null : replace(sent, index, { kind: 'cancel', runId, result: 'running' }, at);
  const endedAt = run.ended_at === null ? Number.NaN : Date.parse(run.ended_at);
  const endedBefore = endedAt < line.sentAt;
  if (run.status === 'cancelled' && !endedBefore) return replace(sent, index, { kind: 'cancel', runId, result: 'cancelled', status: 'cancelled' }, at);
  return replace(sent, index, { kind: 'cancel', runId, result: 'finished', status: run.status, endedBefore }, at);
}

/**
 * A cancel whose run the REST API does not know (404): the run is unknown to this user, the
 * server's NOT_FOUND (which a cancel sent without an id cannot be matched by) says the same.
 */
export function applyRunNotFound(sent: readonly SentMessage[], key: number, message: string, at: number): SentMessage[] | null {
  const index = sent.findIndex((s) => s.key === key);
  const line = sent[index];
  if (!line || !isFollowingRun(line)) return null;
  return replace(sent, index, { kind: 'error', code: 'NOT_FOUND', message }, at);
}

/**
 * Frames above this are refused by the transports themselves (protocol.md: `/ws` closes with
 * 1009, Socket.IO drops the connection): no error comes, the connection ends instead.
 */
export const TRANSPORT_FRAME_LIMIT_BYTES = 64 * 1024;

/**
 * A connection ended: its lines still waiting for a reply will get none. A line over the
 * transports' frame limit is what ended it: refused, not accepted, and said so.
 */
export function endConnection(sent: readonly SentMessage[], userId: string, connection: number, at: number): SentMessage[] | null {
  let next: SentMessage[] | null = null;
  sent.forEach((s, i) => {
    if (s.userId !== userId || s.connection !== connection || s.outcome.kind !== 'pending') return;
    next ??= sent.slice();
    const bytes = utf8ByteLength(s.text);
    const outcome: SendOutcome =
      bytes > TRANSPORT_FRAME_LIMIT_BYTES
        ? {
            kind: 'error',
            code: 'MESSAGE_TOO_LARGE',
            message: `${bytes} bytes is over the transports' frame limit of ${TRANSPORT_FRAME_LIMIT_BYTES} bytes: the server closed the connection instead of answering (not accepted; the user reconnects).`,
          }
        : { kind: 'unanswered', reason: 'closed' };
    next[i] = { ...s, outcome, answeredAt: at };
  });
  return next;
}

function isSentMessage(v: unknown): v is SentMessage {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  const outcome = s.outcome as Record<string, unknown> | null;
  return (
    typeof s.key === 'number' &&
    typeof s.userId === 'string' &&
    typeof s.text === 'string' &&
    typeof s.sentAt === 'number' &&
    (s.messageId === null || typeof s.messageId === 'string') &&
    outcome !== null &&
    typeof outcome === 'object' &&
    typeof outcome.kind === 'string'
  );
}

/**
 * The sent lines kept for this tab (`{ baseUrl, sent }`), back after a reload: only for the
 * same target; the connections they went on are gone, so a line still waiting for its reply
 * will get none (a cancel still follows its run, over REST).
 */
export function restoreSent(stored: unknown, baseUrl: string): SentMessage[] {
  if (stored === null || typeof stored !== 'object') return [];
  const { baseUrl: url, sent } = stored as { baseUrl?: unknown; sent?: unknown };
  if (url !== baseUrl || !Array.isArray(sent)) return [];
  return sent.filter(isSentMessage).map((s) => ({
    ...s,
    connection: 0,
    ...(s.outcome.kind === 'pending' ? { outcome: { kind: 'unanswered', reason: 'reloaded' } as const } : {}),
  }));
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
