/**
 * The live events panel's filter as pure functions: which run and thread an envelope belongs to,
 * the predicate (user, type, run, thread, text), and the run/thread choices seen so far. Kept
 * cheap for thousands of events: one pass per update, cheap checks first, and each event's
 * search text computed once (events are immutable, so it is cached by identity).
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';
import type { StreamEvent } from './stream-event.ts';

export interface EventFilter {
  /** '' means any. */
  userId: string;
  type: string;
  runId: string;
  threadId: string;
  /** Free text, matched case-insensitively against the envelope's JSON. */
  query: string;
}

export const EMPTY_FILTER: EventFilter = Object.freeze({ userId: '', type: '', runId: '', threadId: '', query: '' });

function idField(env: ReceivedEnvelope, key: 'run_id' | 'thread_id'): string | null {
  const top = env[key];
  if (typeof top === 'string' && top !== '') return top;
  // message_ack also carries its ids in the payload; older servers put them only there.
  const payload = env.payload;
  if (payload !== null && typeof payload === 'object') {
    const inner = (payload as Record<string, unknown>)[key];
    if (typeof inner === 'string' && inner !== '') return inner;
  }
  return null;
}

/** The run an envelope belongs to: its `run_id`, else `payload.run_id` (message_ack); null for none. */
export function runIdOf(env: ReceivedEnvelope): string | null {
  return idField(env, 'run_id');
}

/** The thread an envelope belongs to: its `thread_id`, else `payload.thread_id`; null for none. */
export function threadIdOf(env: ReceivedEnvelope): string | null {
  return idField(env, 'thread_id');
}

const searchCache = new WeakMap<StreamEvent, string>();

/** The lower-cased JSON of an event's envelope, computed once per event. */
export function searchTextOf(e: StreamEvent): string {
  let text = searchCache.get(e);
  if (text === undefined) {
    text = JSON.stringify(e.envelope).toLowerCase();
    searchCache.set(e, text);
  }
  return text;
}

export function isFilterActive(f: EventFilter): boolean {
  return f.userId !== '' || f.type !== '' || f.runId !== '' || f.threadId !== '' || f.query.trim() !== '';
}

/** Whether one event passes the filter. `query` is the normalized (trimmed, lower-case) text. */
export function matchesFilter(e: StreamEvent, f: EventFilter, query: string = f.query.trim().toLowerCase()): boolean {
  if (f.userId && e.userId !== f.userId) return false;
  if (f.type && e.envelope.type !== f.type) return false;
  if (f.runId && runIdOf(e.envelope) !== f.runId) return false;
  if (f.threadId && threadIdOf(e.envelope) !== f.threadId) return false;
  if (query && !searchTextOf(e).includes(query)) return false;
  return true;
}

/** The events passing the filter, newest first (the order the panel lists them). */
export function filterEvents(source: readonly StreamEvent[], f: EventFilter): StreamEvent[] {
  const query = f.query.trim().toLowerCase();
  const out: StreamEvent[] = [];
  for (let i = source.length - 1; i >= 0; i--) {
    const e = source[i]!;
    if (matchesFilter(e, f, query)) out.push(e);
  }
  return out;
}

export interface IdChoice {
  id: string;
  /** The user whose events carried this id (the first seen, newest first). */
  userId: string;
  /** How many of the scanned events carry it. */
  count: number;
}

export interface IdChoices {
  runs: IdChoice[];
  threads: IdChoice[];
}

/**
 * The runs and threads seen in `source`, most recently active first. With `scope.userId` only
 * that user's are listed; with `scope.threadId` only that thread's runs.
 */
export function collectIds(source: readonly StreamEvent[], scope: { userId?: string; threadId?: string } = {}): IdChoices {
  const runs = new Map<string, IdChoice>();
  const threads = new Map<string, IdChoice>();
  for (let i = source.length - 1; i >= 0; i--) {
    const e = source[i]!;
    if (scope.userId && e.userId !== scope.userId) continue;
    const threadId = threadIdOf(e.envelope);
    if (threadId !== null) {
      const t = threads.get(threadId);
      if (t) t.count++;
      else threads.set(threadId, { id: threadId, userId: e.userId, count: 1 });
    }
    if (scope.threadId && threadId !== scope.threadId) continue;
    const runId = runIdOf(e.envelope);
    if (runId !== null) {
      const r = runs.get(runId);
      if (r) r.count++;
      else runs.set(runId, { id: runId, userId: e.userId, count: 1 });
    }
  }
  return { runs: [...runs.values()], threads: [...threads.values()] };
}

/**
 * A short label for a long id, its kind and its end: `run_…5729cdf` (ids up to `keep` characters
 * stay whole). The end, not the start: the backend's ids are in the order made (time first), so
 * the runs of one minute all start alike and differ at the end, as random ids do too.
 */
export function shortId(id: string, keep = 12): string {
  if (id.length <= keep) return id;
  const kind = /^[A-Za-z]{1,8}_/.exec(id)?.[0] ?? '';
  const tail = Math.max(4, keep - kind.length - 1);
  return `${kind}…${id.slice(-tail)}`;
}

/**
 * The filter that shows only one run. The thread filter is dropped and a user filter naming
 * another user is dropped, so the run's own events are never hidden by an earlier choice.
 */
export function focusRun(f: EventFilter, runId: string, userId?: string): EventFilter {
  return {
    ...f,
    runId,
    threadId: '',
    userId: f.userId && userId !== undefined && f.userId !== userId ? '' : f.userId,
  };
}
