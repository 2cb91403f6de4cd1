/**
 * The console's state: the target (an environment: each target URL keeps its own users,
 * tokens and saved messages), users and their connections (automatic reconnect with backoff,
 * runs in progress resumed from their last seq), received events (a capped live list with a
 * dropped count; the run index behind the timelines is kept apart, so clearing the list keeps
 * the timelines), what was sent and what became of it, runs loaded from history, the live
 * events filter. A small external store read with useSyncExternalStore; incoming envelopes
 * are buffered and flushed once per animation frame.
 */
import { useRef, useSyncExternalStore } from 'react';
import {
  connect,
  type ConnectionRefusal,
  type ConnectionState,
  type FlowscopeConnection,
  type ReceivedEnvelope,
  type TransportKind,
} from '../../client/flowscope-connection.ts';
import { createRestClient, type RestClient } from '../../client/rest-client.ts';
import { EMPTY_FILTER, focusRun, type EventFilter } from './event-filter.ts';
import { createFrameBatch } from './frame-batch.ts';
import { isRetryableRefusal, reconnectDelay } from './reconnect-policy.ts';
import { RunIndex } from './run-index.ts';
import { applyReply, messageIdOf, type SentMessage } from './send-outcome.ts';

export type { SentMessage } from './send-outcome.ts';

export type UserState = ConnectionState | 'idle';

export interface UserEntry {
  userId: string;
  token: string;
  transport: TransportKind;
  state: UserState;
  refusal?: ConnectionRefusal | undefined;
  /** The target URL the open (or reconnecting) connection goes to. */
  connectedTo?: string | undefined;
  /** When the next automatic reconnect attempt starts (ms since the epoch). */
  reconnectAt?: number | undefined;
  /** Automatic reconnect attempts since the connection was lost. */
  attempt?: number | undefined;
  /** Runs resumed on the last reconnect. */
  resumed?: number | undefined;
}

export interface StreamEvent {
  key: number;
  userId: string;
  receivedAt: number;
  envelope: ReceivedEnvelope;
  source: 'live' | 'history';
  /** Milliseconds since the previous event of the same run, as received (live events). */
  deltaMs?: number | undefined;
}

export interface SavedMessage {
  name: string;
  text: string;
  savedAt: number;
}

export interface ConsoleState {
  baseUrl: string;
  /** Every target the console has used, most recent first. */
  targets: string[];
  users: UserEntry[];
  /** The live list (at most `eventCap`). */
  events: StreamEvent[];
  /** Events that arrived but were dropped from the live list by the cap. */
  dropped: number;
  eventCap: number;
  /** Bumped when the run index changes (its lanes are read with runLanes()). */
  runsVersion: number;
  loadedRuns: Record<string, StreamEvent[]>;
  sent: SentMessage[];
  saved: SavedMessage[];
  eventFilter: EventFilter;
}

interface StoredUser {
  userId: string;
  token: string;
  transport: TransportKind;
  /** Was connected when its target was left (reconnected when the target is chosen again). */
  connected?: boolean;
}
interface TargetRecord {
  users: StoredUser[];
  saved: SavedMessage[];
}
interface StoredTargets {
  current: string;
  order: string[];
  targets: Record<string, TargetRecord>;
}

const DEFAULT_CAP = 5000;
const TARGETS_KEY = 'flowscope.console.targets';
const LEGACY_USERS_KEY = 'flowscope.console.users';
const CAP_KEY = 'flowscope.console.eventCap';
const MAX_SENT = 100;
const MAX_TRAFFIC = 20_000;

function readJson<T>(key: string): T | null {
  try {
    const raw = localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as T) : null;
  } catch {
    return null;
  }
}

function loadTargets(): StoredTargets {
  const origin = window.location.origin;
  const stored = readJson<StoredTargets>(TARGETS_KEY);
  if (stored && typeof stored.current === 'string' && stored.targets && typeof stored.targets === 'object') {
    return { current: stored.current, order: Array.isArray(stored.order) ? stored.order : [stored.current], targets: stored.targets };
  }
  const legacy = readJson<StoredUser[]>(LEGACY_USERS_KEY) ?? [];
  return { current: origin, order: [origin], targets: { [origin]: { users: legacy, saved: [] } } };
}

const stored = loadTargets();

function usersOf(record: TargetRecord | undefined): UserEntry[] {
  return (record?.users ?? []).map((u) => ({ userId: u.userId, token: u.token, transport: u.transport, state: 'idle' }));
}

function loadCap(): number {
  const n = Number(localStorage.getItem(CAP_KEY));
  return Number.isInteger(n) && n >= 100 ? n : DEFAULT_CAP;
}

let state: ConsoleState = {
  baseUrl: stored.current,
  targets: stored.order,
  users: usersOf(stored.targets[stored.current]),
  events: [],
  dropped: 0,
  eventCap: loadCap(),
  runsVersion: 0,
  loadedRuns: {},
  sent: [],
  saved: stored.targets[stored.current]?.saved ?? [],
  eventFilter: EMPTY_FILTER,
};
const listeners = new Set<() => void>();
const connections = new Map<string, FlowscopeConnection>();
const reconnectTimers = new Map<string, ReturnType<typeof setTimeout>>();
/** Users whose connection was lost (not closed by the user): reconnected automatically. */
const lost = new Set<string>();
const runs = new RunIndex();
let pending: StreamEvent[] = [];
const trafficListeners = new Set<(traffic: Traffic) => void>();
/** Everything sent and received, for the live log export (bounded). */
let traffic: Traffic[] = [];
let nextKey = 1;
/** Per run, when its previous live event arrived (for the per-event delta). */
const lastArrival = new Map<string, number>();

function persist(): void {
  const all = readJson<StoredTargets>(TARGETS_KEY) ?? { current: state.baseUrl, order: [], targets: {} };
  const prev = all.targets[state.baseUrl];
  all.targets[state.baseUrl] = {
    users: state.users.map(({ userId, token, transport }) => ({
      userId,
      token,
      transport,
      connected: prev?.users.find((u) => u.userId === userId)?.connected ?? false,
    })),
    saved: state.saved,
  };
  all.current = state.baseUrl;
  all.order = state.targets;
  localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
}

function setState(patch: Partial<ConsoleState>): void {
  state = { ...state, ...patch };
  if (patch.users || patch.saved || patch.targets || patch.baseUrl) persist();
  for (const l of listeners) l();
}

function updateUser(userId: string, patch: Partial<UserEntry>): void {
  setState({ users: state.users.map((u) => (u.userId === userId ? { ...u, ...patch } : u)) });
}

/** Remembers whether each user of the current target is connected (for switching back to it). */
function rememberConnected(): void {
  const all = readJson<StoredTargets>(TARGETS_KEY);
  const record = all?.targets[state.baseUrl];
  if (!all || !record) return;
  for (const u of record.users) {
    const live = state.users.find((x) => x.userId === u.userId);
    u.connected = live ? live.state === 'open' || live.state === 'reconnecting' || live.state === 'connecting' : false;
  }
  localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
}

/**
 * Received envelopes reach the UI at most once per frame, and the renders are paced by what
 * they cost: after a render that took R ms of script, the next waits about 2R, so rendering
 * never takes more than about a third of the main thread however fast events come (nothing is
 * lost: the list, the runs and the outcomes are all brought up to date at each render).
 */
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
    const wait = 2 * renderCostMs - 16;
    return wait > 0 ? window.setTimeout(() => requestAnimationFrame(callback), wait) : requestAnimationFrame(callback);
  },
  // console-store never cancels its batch
  cancel: () => undefined,
});

function flush(): void {
  if (pending.length === 0) return;
  const incoming = pending;
  pending = [];
  measureRender(performance.now());
  let sent = state.sent;
  let runsChanged = false;
  for (const e of incoming) {
    if (runs.add(e)) runsChanged = true;
    if (sent.length > 0) sent = applyReply(sent, e.userId, e.envelope, e.receivedAt) ?? sent;
  }
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
  setState({ events, dropped, sent, ...(runsChanged ? { runsVersion: state.runsVersion + 1 } : {}) });
}

/** What a user's connection sent or received, as it happens (for the session recorder). */
export type Traffic =
  { direction: 'sent'; userId: string; at: number; text: string } | { direction: 'received'; userId: string; at: number; envelope: ReceivedEnvelope };

export function onTraffic(listener: (traffic: Traffic) => void): () => void {
  trafficListeners.add(listener);
  return () => trafficListeners.delete(listener);
}

function tap(t: Traffic): void {
  traffic.push(t);
  if (traffic.length > MAX_TRAFFIC * 1.25) traffic = traffic.slice(traffic.length - MAX_TRAFFIC);
  for (const l of trafficListeners) l(t);
}

/** What was sent and received since the console opened (or the log was cleared), oldest first, bounded. */
export function trafficLog(): readonly Traffic[] {
  return traffic.length > MAX_TRAFFIC ? traffic.slice(traffic.length - MAX_TRAFFIC) : traffic;
}

function enqueue(userId: string, envelope: ReceivedEnvelope): void {
  const receivedAt = Date.now();
  tap({ direction: 'received', userId, at: receivedAt, envelope });
  const runId = typeof envelope.run_id === 'string' ? envelope.run_id : null;
  let deltaMs: number | undefined;
  if (runId) {
    const prev = lastArrival.get(runId);
    if (prev !== undefined) deltaMs = receivedAt - prev;
    lastArrival.set(runId, receivedAt);
    if (lastArrival.size > 50_000) lastArrival.delete(lastArrival.keys().next().value!);
  }
  pending.push({ key: nextKey++, userId, receivedAt, envelope, source: 'live', deltaMs });
  batch.request();
}

/** The whole state (re-renders on every change: prefer useConsoleSlice). */
export function useConsole(): ConsoleState {
  return useSyncExternalStore(subscribe, () => state);
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => {
    listeners.delete(l);
  };
};

function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * A part of the state: the component re-renders only when that part changes (shallowly), so a
 * flood of events re-renders the live list and the timeline, not every panel.
 */
export function useConsoleSlice<T>(select: (s: ConsoleState) => T): T {
  const last = useRef<{ value: T } | null>(null);
  const get = () => {
    const next = select(state);
    if (last.current && shallowEqual(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  };
  return useSyncExternalStore(subscribe, get);
}

/** The run id of the newest event that has one (for the cancel_run and resume templates). */
export function lastRunIdOf(events: readonly StreamEvent[]): string | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const r = events[i]!.envelope.run_id;
    if (typeof r === 'string') return r;
  }
  return null;
}

/** The current state, outside React. */
export function getConsoleState(): ConsoleState {
  return state;
}

/** The run index behind the timelines (read with state.runsVersion as the change signal). */
export function runIndex(): RunIndex {
  return runs;
}

export function rest(): RestClient {
  return createRestClient(state.baseUrl);
}

function clearReconnect(userId: string): void {
  const t = reconnectTimers.get(userId);
  if (t) clearTimeout(t);
  reconnectTimers.delete(userId);
}

/** A lost connection: try again after the backoff (the row counts down to `reconnectAt`). */
function scheduleReconnect(userId: string, refusal?: ConnectionRefusal): void {
  const user = state.users.find((u) => u.userId === userId);
  if (!user || !lost.has(userId)) return;
  clearReconnect(userId);
  const attempt = user.attempt ?? 0;
  const delay = reconnectDelay(attempt);
  updateUser(userId, { state: 'reconnecting', reconnectAt: Date.now() + delay, attempt: attempt + 1, refusal });
  reconnectTimers.set(
    userId,
    setTimeout(() => {
      reconnectTimers.delete(userId);
      if (lost.has(userId)) openConnection(userId);
    }, delay),
  );
}

/** Runs of this user still in progress: asked again from the seq after the last one seen. */
function resumeRuns(userId: string, conn: FlowscopeConnection): number {
  let n = 0;
  for (const run of runs.inProgress(userId)) {
    conn.send(
      JSON.stringify({ type: 'resume', message_id: `resume_${run.runId}_${Date.now().toString(36)}`, payload: { run_id: run.runId, after_seq: run.lastSeq } }),
    );
    n++;
  }
  return n;
}

function openConnection(userId: string): void {
  const user = state.users.find((u) => u.userId === userId);
  if (!user) return;
  connections.get(userId)?.close();
  const wasLost = lost.has(userId);
  const target = state.baseUrl;
  updateUser(userId, {
    state: wasLost ? 'reconnecting' : 'connecting',
    ...(wasLost ? {} : { refusal: undefined }),
    reconnectAt: undefined,
    connectedTo: target,
  });
  const conn = connect({ url: target, token: user.token, transport: user.transport });
  connections.set(userId, conn);
  conn.onState((next, refusal) => {
    if (connections.get(userId) !== conn) return;
    if (next === 'open') {
      const resumed = wasLost ? resumeRuns(userId, conn) : undefined;
      lost.delete(userId);
      updateUser(userId, { state: 'open', refusal: undefined, attempt: 0, reconnectAt: undefined, connectedTo: target, resumed });
      return;
    }
    if (next === 'refused') {
      if (lost.has(userId) && isRetryableRefusal(refusal?.code)) return scheduleReconnect(userId, refusal);
      lost.delete(userId);
      connections.delete(userId);
      updateUser(userId, { state: 'refused', refusal, reconnectAt: undefined, connectedTo: undefined });
      return;
    }
    if (next === 'closed' || next === 'reconnecting') {
      // closed by the server or the network (a close by the user removes the connection first)
      connections.delete(userId);
      conn.close();
      lost.add(userId);
      return scheduleReconnect(userId, refusal);
    }
    updateUser(userId, { state: next, refusal });
  });
  conn.onEnvelope((envelope) => enqueue(userId, envelope));
}

function closeConnection(userId: string): void {
  lost.delete(userId);
  clearReconnect(userId);
  const conn = connections.get(userId);
  connections.delete(userId);
  conn?.close();
}

export const actions = {
  /** Switches to another target: the current users are disconnected; the new target's users come back, connected if they were. */
  setBaseUrl(baseUrl: string): void {
    const next = baseUrl.replace(/\/$/, '');
    if (next === state.baseUrl) return;
    rememberConnected();
    for (const u of state.users) closeConnection(u.userId);
    const all = readJson<StoredTargets>(TARGETS_KEY);
    const record = all?.targets[next];
    const targets = [next, ...state.targets.filter((t) => t !== next)].slice(0, 20);
    setState({ baseUrl: next, targets, users: usersOf(record), saved: record?.saved ?? [], sent: [], loadedRuns: {} });
    for (const u of record?.users ?? []) if (u.connected) openConnection(u.userId);
  },
  /** Users of the current target with a connection up or coming up (a target switch asks first). */
  connectedUsers(): string[] {
    return state.users.filter((u) => u.state === 'open' || u.state === 'connecting' || u.state === 'reconnecting').map((u) => u.userId);
  },
  forgetTarget(url: string): void {
    if (url === state.baseUrl) return;
    const all = readJson<StoredTargets>(TARGETS_KEY);
    if (all) {
      delete all.targets[url];
      localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
    }
    setState({ targets: state.targets.filter((t) => t !== url) });
  },
  addUser(userId: string, token: string, transport: TransportKind): void {
    const existing = state.users.find((u) => u.userId === userId);
    if (existing) {
      setState({ users: state.users.map((u) => (u.userId === userId ? { ...u, token, transport } : u)) });
      return;
    }
    setState({ users: [...state.users, { userId, token, transport, state: 'idle' }] });
  },
  /** A new token for a user (a re-mint): the connection is opened again with it. */
  replaceToken(userId: string, token: string): void {
    closeConnection(userId);
    updateUser(userId, { token, refusal: undefined, state: 'idle', attempt: 0 });
    openConnection(userId);
  },
  removeUser(userId: string): void {
    closeConnection(userId);
    setState({ users: state.users.filter((u) => u.userId !== userId) });
  },
  setTransport(userId: string, transport: TransportKind): void {
    updateUser(userId, { transport });
  },
  connect(userId: string): void {
    closeConnection(userId);
    updateUser(userId, { attempt: 0 });
    openConnection(userId);
  },
  /** Skips the rest of the backoff wait. */
  reconnectNow(userId: string): void {
    if (!lost.has(userId)) return actions.connect(userId);
    clearReconnect(userId);
    openConnection(userId);
  },
  disconnect(userId: string): void {
    closeConnection(userId);
    if (state.users.some((u) => u.userId === userId))
      updateUser(userId, { state: 'closed', reconnectAt: undefined, connectedTo: undefined, refusal: undefined });
  },
  send(userId: string, text: string): string | null {
    const conn = connections.get(userId);
    if (!conn || conn.state !== 'open') return `${userId} is not connected`;
    try {
      conn.send(text);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    const sentAt = Date.now();
    tap({ direction: 'sent', userId, at: sentAt, text });
    const entry: SentMessage = { key: nextKey++, userId, text, sentAt, messageId: messageIdOf(text), outcome: { kind: 'pending' } };
    setState({ sent: [entry, ...state.sent].slice(0, MAX_SENT) });
    return null;
  },
  saveMessage(name: string, text: string): void {
    const clean = name.trim();
    if (!clean) return;
    setState({ saved: [{ name: clean, text, savedAt: Date.now() }, ...state.saved.filter((s) => s.name !== clean)] });
  },
  deleteSaved(name: string): void {
    setState({ saved: state.saved.filter((s) => s.name !== name) });
  },
  /** Empties the live list (the timelines keep their runs). */
  clearEvents(): void {
    setState({ events: [], dropped: 0 });
  },
  clearTimelines(): void {
    runs.clear();
    setState({ runsVersion: state.runsVersion + 1, loadedRuns: {} });
  },
  setEventCap(cap: number): void {
    if (!Number.isInteger(cap) || cap < 100) return;
    localStorage.setItem(CAP_KEY, String(cap));
    const over = state.events.length - cap;
    setState({ eventCap: cap, ...(over > 0 ? { events: state.events.slice(over), dropped: state.dropped + over } : {}) });
  },
  setEventFilter(patch: Partial<EventFilter>): void {
    setState({ eventFilter: { ...state.eventFilter, ...patch } });
  },
  resetEventFilter(): void {
    setState({ eventFilter: EMPTY_FILTER });
  },
  /** Live events show only this run; the same run again shows all runs. */
  toggleRunFocus(runId: string, userId?: string): void {
    const f = state.eventFilter;
    setState({ eventFilter: f.runId === runId ? { ...f, runId: '' } : focusRun(f, runId, userId) });
  },
  loadRun(userId: string, runId: string, envelopes: ReceivedEnvelope[]): void {
    const list = envelopes.map((envelope) => ({ key: nextKey++, userId, receivedAt: Date.now(), envelope, source: 'history' as const }));
    for (const e of list) runs.add(e);
    setState({ loadedRuns: { ...state.loadedRuns, [runId]: list }, runsVersion: state.runsVersion + 1 });
  },
};
