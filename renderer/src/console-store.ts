/**
 * The console's state: target URL, users and their connections, received events, runs
 * loaded from history, the live events filter (shared so a run lane can focus its run). A small external store read with useSyncExternalStore; incoming
 * envelopes are buffered and flushed once per animation frame.
 */
import { useSyncExternalStore } from 'react';
import { connect, type ConnectionRefusal, type ConnectionState, type FlowscopeConnection, type ReceivedEnvelope, type TransportKind } from '../../client/flowscope-connection.ts';
import { createRestClient, type RestClient } from '../../client/rest-client.ts';
import { EMPTY_FILTER, focusRun, type EventFilter } from './event-filter.ts';

export type UserState = ConnectionState | 'idle';

export interface UserEntry {
  userId: string;
  token: string;
  transport: TransportKind;
  state: UserState;
  refusal?: ConnectionRefusal;
}

export interface StreamEvent {
  key: number;
  userId: string;
  receivedAt: number;
  envelope: ReceivedEnvelope;
  source: 'live' | 'history';
}

export interface SentMessage {
  key: number;
  userId: string;
  text: string;
  sentAt: number;
}

export interface ConsoleState {
  baseUrl: string;
  users: UserEntry[];
  events: StreamEvent[];
  loadedRuns: Record<string, StreamEvent[]>;
  sent: SentMessage[];
  eventFilter: EventFilter;
}

const MAX_EVENTS = 5000;
const USERS_KEY = 'flowscope.console.users';

function loadUsers(): UserEntry[] {
  try {
    const raw = localStorage.getItem(USERS_KEY);
    const list = raw ? (JSON.parse(raw) as Array<Pick<UserEntry, 'userId' | 'token' | 'transport'>>) : [];
    return list.map((u) => ({ userId: u.userId, token: u.token, transport: u.transport, state: 'idle' }));
  } catch {
    return [];
  }
}

let state: ConsoleState = {
  baseUrl: window.location.origin,
  users: loadUsers(),
  events: [],
  loadedRuns: {},
  sent: [],
  eventFilter: EMPTY_FILTER,
};
const listeners = new Set<() => void>();
const connections = new Map<string, FlowscopeConnection>();
let pending: StreamEvent[] = [];
const trafficListeners = new Set<(traffic: Traffic) => void>();
let frame: number | null = null;
let nextKey = 1;

function setState(patch: Partial<ConsoleState>): void {
  state = { ...state, ...patch };
  if (patch.users) {
    localStorage.setItem(USERS_KEY, JSON.stringify(state.users.map(({ userId, token, transport }) => ({ userId, token, transport }))));
  }
  for (const l of listeners) l();
}

function updateUser(userId: string, patch: Partial<UserEntry>): void {
  setState({ users: state.users.map((u) => (u.userId === userId ? { ...u, ...patch } : u)) });
}

function flush(): void {
  frame = null;
  if (pending.length === 0) return;
  const batch = pending;
  pending = [];
  const events = state.events.concat(batch);
  setState({ events: events.length > MAX_EVENTS ? events.slice(events.length - MAX_EVENTS) : events });
}

/** What a user's connection sent or received, as it happens (for the session recorder). */
export type Traffic =
  | { direction: 'sent'; userId: string; at: number; text: string }
  | { direction: 'received'; userId: string; at: number; envelope: ReceivedEnvelope };

export function onTraffic(listener: (traffic: Traffic) => void): () => void {
  trafficListeners.add(listener);
  return () => trafficListeners.delete(listener);
}

function tap(traffic: Traffic): void {
  for (const l of trafficListeners) l(traffic);
}

function enqueue(userId: string, envelope: ReceivedEnvelope): void {
  const receivedAt = Date.now();
  tap({ direction: 'received', userId, at: receivedAt, envelope });
  pending.push({ key: nextKey++, userId, receivedAt, envelope, source: 'live' });
  if (frame === null) frame = requestAnimationFrame(flush);
}

export function useConsole(): ConsoleState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => state,
  );
}

/** The current state, outside React. */
export function getConsoleState(): ConsoleState {
  return state;
}

export function rest(): RestClient {
  return createRestClient(state.baseUrl);
}

export const actions = {
  setBaseUrl(baseUrl: string): void {
    setState({ baseUrl });
  },
  addUser(userId: string, token: string, transport: TransportKind): void {
    const others = state.users.filter((u) => u.userId !== userId);
    setState({ users: [...others, { userId, token, transport, state: 'idle' }] });
  },
  removeUser(userId: string): void {
    actions.disconnect(userId);
    setState({ users: state.users.filter((u) => u.userId !== userId) });
  },
  setTransport(userId: string, transport: TransportKind): void {
    updateUser(userId, { transport });
  },
  connect(userId: string): void {
    const user = state.users.find((u) => u.userId === userId);
    if (!user) return;
    connections.get(userId)?.close();
    updateUser(userId, { state: 'connecting', refusal: undefined });
    const conn = connect({ url: state.baseUrl, token: user.token, transport: user.transport });
    connections.set(userId, conn);
    conn.onState((next, refusal) => {
      if (connections.get(userId) !== conn) return;
      updateUser(userId, { state: next, refusal });
    });
    conn.onEnvelope((envelope) => enqueue(userId, envelope));
  },
  disconnect(userId: string): void {
    const conn = connections.get(userId);
    connections.delete(userId);
    conn?.close();
    if (state.users.some((u) => u.userId === userId)) updateUser(userId, { state: 'closed' });
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
    setState({ sent: [{ key: nextKey++, userId, text, sentAt }, ...state.sent].slice(0, 100) });
    return null;
  },
  clearEvents(): void {
    setState({ events: [] });
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
    setState({ loadedRuns: { ...state.loadedRuns, [runId]: list } });
  },
};
