/**
 * Domain rules shared by every Store adapter: priority ranks, thread titles, input checks
 * and limits. Pure functions, no driver code.
 */
import type { Priority, RunStatus } from '../../protocol/index.ts';
import type { AcceptMessageInput, FinishRunInput, MessageRecord, RunRecord, StoredEvent } from './store-types.ts';
import { StoreConflictError } from './store-errors.ts';

/** Lower runs first: high, normal, low. */
export const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 0, normal: 1, low: 2 };

export const DEFAULT_FINISH_STATUSES: readonly RunStatus[] = ['queued', 'running'];

export const THREAD_TITLE_CHARS = 60;
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;

/** A limit clamped to [1, MAX_LIST_LIMIT]. */
export function listLimit(limit: number | undefined, fallback = DEFAULT_LIST_LIMIT): number {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(MAX_LIST_LIMIT, Math.max(1, Math.floor(limit)));
}

/** The title of a new thread: the given one, else the first 60 characters of the content. */
export function threadTitle(input: AcceptMessageInput): string {
  const given = input.thread.title.trim();
  if (given) return given;
  const text = input.message.content.replace(/\s+/g, ' ').trim();
  return text.length <= THREAD_TITLE_CHARS ? text : `${text.slice(0, THREAD_TITLE_CHARS - 1).trimEnd()}…`;
}

/** An ISO-8601 UTC timestamp (`2024-01-02T03:04:05.678Z`); throws on an invalid date. */
export function isoTimestamp(value: string): string {
  // The hot path: timestamps made by toISOString() come back unchanged (no Date object).
  if (isCanonicalIso(value)) return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid timestamp: ${JSON.stringify(value)}`);
  return date.toISOString();
}

const CANONICAL_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Exactly what `toISOString()` prints for a real instant (years 0000-9999), checked without a Date. */
function isCanonicalIso(value: string): boolean {
  const m = CANONICAL_ISO.exec(value);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]!) return false;
  if (month === 2 && day === 29 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0))) return false;
  return Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6]) < 60;
}

export interface NormalizedAccept {
  threadId: string;
  userId: string;
  threadTitle: string;
  /** An unknown thread id is refused (thread_not_found) instead of created. */
  threadMustExist: boolean;
  message: MessageRecord;
  /** The run as stored: status queued, no owner, not started. */
  run: RunRecord;
  priorityRank: number;
  maxQueuedPerUser: number | undefined;
}

/**
 * Checks that the message, run and thread agree and returns them as they will be stored.
 * Throws a TypeError on a caller bug (mismatched ids).
 */
export function normalizeAccept(input: AcceptMessageInput): NormalizedAccept {
  const { thread, message, run } = input;
  const userId = message.userId;
  if (message.threadId !== thread.id || run.threadId !== thread.id) {
    throw new TypeError(`acceptMessage: message and run must belong to thread ${thread.id}`);
  }
  if (run.userId !== userId) throw new TypeError('acceptMessage: run.userId must equal message.userId');
  if (run.messageId !== message.id) throw new TypeError('acceptMessage: run.messageId must equal message.id');
  const createdAt = isoTimestamp(message.createdAt);
  const storedMessage: MessageRecord = { ...message, createdAt };
  const storedRun: RunRecord = {
    ...run,
    status: 'queued',
    response: null,
    error: null,
    createdAt: isoTimestamp(run.createdAt),
    startedAt: null,
    endedAt: null,
    ownerId: null,
  };
  return {
    threadId: thread.id,
    userId,
    threadTitle: threadTitle(input),
    threadMustExist: thread.mustExist === true,
    message: storedMessage,
    run: storedRun,
    priorityRank: PRIORITY_RANK[run.priority],
    maxQueuedPerUser: input.maxQueuedPerUser,
  };
}

/** Checks that a finish call is consistent; returns the statuses it may finish from. */
export function finishStatuses(runId: string, input: FinishRunInput): readonly RunStatus[] {
  if (input.finalEvent.runId !== runId) throw new TypeError(`finishRun: finalEvent.runId must be ${runId}`);
  return input.expectedStatuses ?? DEFAULT_FINISH_STATUSES;
}

export function eventKey(event: Pick<StoredEvent, 'runId' | 'seq'>): string {
  return `${event.runId}\u0000${event.seq}`;
}

export function checkEvent(event: StoredEvent): void {
  if (!Number.isInteger(event.seq) || event.seq < 1) throw new RangeError(`Event seq must be an integer >= 1, got ${event.seq}`);
  if (event.type !== event.envelope.type) throw new TypeError(`Event type ${event.type} differs from its envelope's ${event.envelope.type}`);
}

/** Which of `events` a duplicate names (its run and seq, when the database said; else the first). */
export function clashingEvent<E extends Pick<StoredEvent, 'runId' | 'seq'>>(events: readonly E[], key: { runId: string; seq: number } | undefined): E {
  return (key === undefined ? undefined : events.find((e) => e.seq === key.seq && e.runId === key.runId)) ?? events[0]!;
}

export function duplicateEventError(event: Pick<StoredEvent, 'runId' | 'seq'>, cause?: unknown): StoreConflictError {
  return new StoreConflictError(`Event ${event.seq} of run ${event.runId} is already stored; events are never overwritten.`, { cause });
}
