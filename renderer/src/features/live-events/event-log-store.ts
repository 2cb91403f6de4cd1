/**
 * The live event log: every envelope the users' connections received, in a capped list (with a
 * dropped count), and the live events filter. Incoming envelopes are buffered and flushed once
 * per animation frame; each flushed batch also goes to the `onEventBatch` listeners (the
 * timeline's run index, the composer's send outcomes), so one frame brings every view up to date.
 */
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';
import { createFrameBatch } from '../../ui/frame-batch.ts';
import { onEnvelope } from '../users/index.ts';
import { EMPTY_FILTER, focusRun, type EventFilter } from './event-filter.ts';
import { eventTimeOf, runDelta } from './event-time.ts';
import { trackRuns } from './run-control.ts';
import { nextEventKey, type StreamEvent } from './stream-event.ts';

export interface EventLogState {
  /** The live list (at most `eventCap`). */
  events: StreamEvent[];
  /** Events that arrived but were dropped from the live list by the cap. */
  dropped: number;
  eventCap: number;
  eventFilter: EventFilter;
}

const DEFAULT_CAP = 5000;
const CAP_KEY = 'flowscope.console.eventCap';

function loadCap(): number {
  const n = Number(localStorage.getItem(CAP_KEY));
  return Number.isInteger(n) && n >= 100 ? n : DEFAULT_CAP;
}

const store = createLazyStore<EventLogState>(() => ({ events: [], dropped: 0, eventCap: loadCap(), eventFilter: EMPTY_FILTER }));
let pending: StreamEvent[] = [];
const batchListeners = new Set<(incoming: readonly StreamEvent[]) => void>();
/** Per run, the server time of its previous live event (for the per-event delta). */
const lastEventAt = new Map<string, number>();

/**
 * Received envelopes reach the UI at most once per frame, and the renders are paced by what
 * they cost: after a render that took R ms of script, the next waits about 2R, so rendering
 * never takes more than about a third of the main thread however fast events come (nothing is
 * lost: the list, the runs and the outcomes are all brought up to date at each render). In a
 * flood (a batch of FLOOD_BATCH events or more) the views are brought up to date at most
 * every FLOOD_GAP_MS: a list whose every row is replaced at each update reads the same at 10
 * updates a second as at 60, and each update (the rows in view made anew, their layout and
 * paint) is the main thread's biggest cost in a flood: the frames in between stay free.
 */
const FLOOD_BATCH = 200;
const FLOOD_GAP_MS = 100;
/**
 * At most this many events per render: a backlog (after the tab was hidden, or the machine
 * stalled) is worked off over a few frames, each short, rather than in one long frame.
 */
const MAX_PER_FLUSH = 1500;
let lastBatchSize = 0;
let renderCostMs = 0;
function measureRender(startedAt: number): void {
  // React commits the store's update in a microtask; a task queued now runs after it.
  setTimeout(() => {
    const cost = performance.now() - startedAt;
    renderCostMs = renderCostMs === 0 ? cost : renderCostMs * 0.7 + cost * 0.3;
  }, 0);
}
const batch = createFrameBatch(flush, {
  request: (callback) => {
    const wait = Math.max(2 * renderCostMs, lastBatchSize >= FLOOD_BATCH ? FLOOD_GAP_MS : 0) - 16;
    return wait > 0 ? window.setTimeout(() => requestAnimationFrame(callback), wait) : requestAnimationFrame(callback);
  },
  // the event log never cancels its batch
  cancel: () => undefined,
});

function flush(): void {
  if (pending.length === 0) return;
  let incoming = pending;
  if (incoming.length > MAX_PER_FLUSH) {
    incoming = pending.slice(0, MAX_PER_FLUSH);
    pending = pending.slice(MAX_PER_FLUSH);
  } else {
    pending = [];
  }
  lastBatchSize = incoming.length;
  // the rest of a backlog: the next frames
  if (pending.length > 0) batch.request();
  measureRender(performance.now());
  trackRuns(incoming);
  for (const l of batchListeners) l(incoming);
  const state = store.get();
  const cap = state.eventCap;
  let events: StreamEvent[];
  let dropped = state.dropped;
  if (incoming.length >= cap) {
    dropped += state.events.length + incoming.length - cap;
    events = incoming.slice(incoming.length - cap);
  } else {
    const over = state.events.length + incoming.length - cap;
    if (over > 0) {
      dropped += over;
      events = state.events.slice(over).concat(incoming);
    } else {
      events = state.events.concat(incoming);
    }
  }
  store.set({ events, dropped });
}

onEnvelope((userId, envelope) => {
  const receivedAt = Date.now();
  const runId = typeof envelope.run_id === 'string' ? envelope.run_id : null;
  const event: StreamEvent = { key: nextEventKey(), userId, receivedAt, envelope, source: 'live' };
  // by server time, as the lanes and stage latencies measure (receive time is shown apart)
  event.deltaMs = runDelta(lastEventAt, runId, eventTimeOf(event));
  pending.push(event);
  batch.request();
});

/** Each batch of received events, once per frame, before the live list shows it. */
export function onEventBatch(listener: (incoming: readonly StreamEvent[]) => void): () => void {
  batchListeners.add(listener);
  return () => batchListeners.delete(listener);
}

/** A part of the event log (re-renders when it changes, shallowly). */
export function useEventLog<T>(select: (s: EventLogState) => T): T {
  return useStoreSlice(store, select);
}

/** The run id of the newest event that has one (for the cancel_run and resume templates). */
export function lastRunIdOf(events: readonly StreamEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const r = events[i]!.envelope.run_id;
    if (typeof r === 'string') return r;
  }
  return null;
}

export const eventLogActions = {
  /** Empties the live list (the timelines keep their runs). */
  clearEvents(): void {
    store.set({ events: [], dropped: 0 });
  },
  setEventCap(cap: number): void {
    if (!Number.isInteger(cap) || cap < 100) return;
    localStorage.setItem(CAP_KEY, String(cap));
    const state = store.get();
    const over = state.events.length - cap;
    store.set({ eventCap: cap, ...(over > 0 ? { events: state.events.slice(over), dropped: state.dropped + over } : {}) });
  },
  setEventFilter(patch: Partial<EventFilter>): void {
    store.set({ eventFilter: { ...store.get().eventFilter, ...patch } });
  },
  resetEventFilter(): void {
    store.set({ eventFilter: EMPTY_FILTER });
  },
  /** Live events show only this run; the same run again shows all runs. */
  toggleRunFocus(runId: string, userId?: string): void {
    const f = store.get().eventFilter;
    store.set({ eventFilter: f.runId === runId ? { ...f, runId: '' } : focusRun(f, runId, userId) });
  },
};
