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
import { createFloodDetector } from './flood-detector.ts';
import { eventTimeOf, runDelta, serverTimeOf } from './event-time.ts';
import { trackRuns } from './run-control.ts';
import { nextEventKey, type StreamEvent } from './stream-event.ts';

export interface EventLogState {
  /** The live list (at most `eventCap`). */
  events: StreamEvent[];
  /** Events that arrived but were dropped from the live list by the cap. */
  dropped: number;
  eventCap: number;
  eventFilter: EventFilter;
  /**
   * Events are arriving in a flood (in the last second a render took FLOOD_BATCH events or
   * more, or that many arrived within 250 ms: flood-detector.ts): views that would redo costly work at every update hold still (the id selects'
   * options) or spread it over frames (the rows and lanes in view).
   */
  flooding: boolean;
}

const DEFAULT_CAP = 5000;
const CAP_KEY = 'flowscope.console.eventCap';

function loadCap(): number {
  const n = Number(localStorage.getItem(CAP_KEY));
  return Number.isInteger(n) && n >= 100 ? n : DEFAULT_CAP;
}

const store = createLazyStore<EventLogState>(() => ({ events: [], dropped: 0, eventCap: loadCap(), eventFilter: EMPTY_FILTER, flooding: false }));
let pending: StreamEvent[] = [];
const batchListeners = new Set<(incoming: readonly StreamEvent[]) => void>();
/** Per run, the server time of its previous live event (for the per-event delta). */
const lastEventAt = new Map<string, number>();

/**
 * Received envelopes reach the UI at most once per frame, and the renders are paced by what
 * they cost: after a render that took R ms of script, the next waits about 2R, so rendering
 * never takes more than about a third of the main thread however fast events come (nothing is
 * lost: the list, the runs and the outcomes are all brought up to date at each render). In a
 * flood (FLOOD_BATCH events or more in one render or within 250 ms) the views are brought up to date at most
 * every FLOOD_GAP_MS: a list whose every row is replaced at each update reads the same at 5
 * updates a second as at 60, and each update (the rows in view replaced, the browser's style,
 * layout and paint of the frame: 15-20 ms of CPU on a slow core, whatever the number of rows)
 * is the main thread's biggest cost in a flood: the frames in between stay free.
 */
const FLOOD_BATCH = 200;
const FLOOD_GAP_MS = 200;
/**
 * At most this many events per render: a backlog (after the tab was hidden, or the machine
 * stalled) is worked off over a few frames, each short, rather than in one long frame.
 */
const MAX_PER_FLUSH = 5000;
/**
 * The pacing by render cost waits at most this long: the cost is measured in wall time, which
 * on a machine busy with other work includes the waits for a core, and an unbounded pace
 * would then fall behind the events (each render takes what arrived, but at most MAX_PER_FLUSH).
 */
const MAX_PACE_MS = 400;
let renderCostMs = 0;
function measureRender(startedAt: number): void {
  // React commits the store's update in a microtask; a task queued now runs after it.
  setTimeout(() => {
    const cost = performance.now() - startedAt;
    renderCostMs = renderCostMs === 0 ? cost : renderCostMs * 0.7 + cost * 0.3;
  }, 0);
}
/** The list's animation frame is requested and has not run yet (it renders in the coming frame). */
let listFrameQueued = false;
const batch = createFrameBatch(flush, {
  request: (callback) => {
    const wait = Math.max(Math.min(2 * renderCostMs, MAX_PACE_MS), flood.flooding(performance.now()) ? FLOOD_GAP_MS : 0) - 16;
    const inFrame = () => {
      listFrameQueued = false;
      callback();
    };
    const queue = () => {
      listFrameQueued = true;
      return requestAnimationFrame(inFrame);
    };
    return wait > 0 ? window.setTimeout(queue, wait) : queue();
  },
  // the event log never cancels its batch
  cancel: () => undefined,
});

/** A flood is over once no render took a flood's worth for this long (not at one smaller batch: no flapping). */
const FLOOD_OVER_MS = 1000;
const flood = createFloodDetector({ batch: FLOOD_BATCH, windowMs: 250, overMs: FLOOD_OVER_MS });
let floodEnd: ReturnType<typeof setTimeout> | null = null;

function endFloodLater(): void {
  if (floodEnd !== null) clearTimeout(floodEnd);
  floodEnd = setTimeout(() => {
    floodEnd = null;
    if (!flood.flooding(performance.now() + 1) && store.get().flooding) store.set({ flooding: false });
  }, FLOOD_OVER_MS);
}

/** When the list was last brought up to date (performance.now()): other views keep their renders out of that frame. */
let lastFlushAt = -Infinity;

/** A frame is "the live list's" when it rendered the list this recently (ms). */
const SAME_FRAME_MS = 12;

/**
 * The live list renders in this animation frame: it did already, or its frame callback is
 * queued (it runs later in this frame, or in the next). Other costly views (the lanes) keep
 * their renders out of such a frame: in a flood both are every visible element replaced, a
 * frame of the browser's style, layout and paint each, and together that frame was twice as long.
 */
export function liveListFrameBusy(): boolean {
  return listFrameQueued || performance.now() - lastFlushAt < SAME_FRAME_MS;
}

function flush(): void {
  if (pending.length === 0) return;
  lastFlushAt = performance.now();
  let incoming = pending;
  if (incoming.length > MAX_PER_FLUSH) {
    incoming = pending.slice(0, MAX_PER_FLUSH);
    pending = pending.slice(MAX_PER_FLUSH);
  } else {
    pending = [];
  }
  const flooding = flood.record(lastFlushAt, incoming.length);
  // the flood's end is looked at once no render kept it for FLOOD_OVER_MS
  if (flooding) endFloodLater();
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
  store.set({ events, dropped, flooding });
}

onEnvelope((userId, envelope) => {
  const receivedAt = Date.now();
  const runId = typeof envelope.run_id === 'string' ? envelope.run_id : null;
  const event: StreamEvent = { key: nextEventKey(), userId, receivedAt, envelope, source: 'live', serverAt: serverTimeOf(envelope) };
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
