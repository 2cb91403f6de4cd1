/**
 * Users and targets: the target (an environment: each target URL keeps its own users, tokens
 * and what other features keep with it, such as saved messages), the users and their
 * connections (automatic reconnect with backoff, runs in progress resumed from their last seq).
 * Received envelopes go to the traffic log and to the `onEnvelope` listeners (the live event
 * log); a target switch is announced to the `onTargetChange` listeners. Each connection opened
 * has a serial number (sends and envelopes carry it, `onConnectionEnd` names it when it ends),
 * so a reply is matched to what was sent on the same connection. Which users are connected is
 * kept in sessionStorage: a page reload connects them again (`restoreSession`).
 */
import {
  type ConnectionRefusal,
  type ConnectionState,
  type FlowscopeConnection,
  type ReceivedEnvelope,
  type TransportKind,
} from '../../../../client/flowscope-connection.ts';
import { createRestClient, type RestClient } from '../../../../client/rest-client.ts';
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';
// Each connection's socket in a Web Worker: receiving thousands of frames a second never
// delays the console's frames (ui/worker-connection.ts; the same connect() where there is no Worker).
import { connectInWorker as connect } from '../../ui/worker-connection.ts';
import { HealthWatch, isRetryableRefusal, probeHealth, reconnectDelay, runsInProgress } from './reconnect-policy.ts';
import { tap } from './traffic.ts';

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

export type SendResult = { ok: true; sentAt: number; connection: number } | { ok: false; error: string; notConnected: boolean };

export interface ConnectionsState {
  baseUrl: string;
  /** Every target the console has used, most recent first. */
  targets: string[];
  users: UserEntry[];
}

interface StoredUser {
  userId: string;
  token: string;
  transport: TransportKind;
  /** Was connected when its target was left (reconnected when the target is chosen again). */
  connected?: boolean;
}
/** A target's record: its users, and what other features keep per target (`saved`: the composer's saved messages). */
interface TargetRecord {
  users: StoredUser[];
  [field: string]: unknown;
}
interface StoredTargets {
  current: string;
  order: string[];
  targets: Record<string, TargetRecord>;
}

const TARGETS_KEY = 'flowscope.console.targets';
const LEGACY_USERS_KEY = 'flowscope.console.users';
/**
 * sessionStorage: the users connected in this tab, `{ baseUrl, users }`. Per tab and per
 * browsing session, so a reload reconnects them, while another tab or a new window starts
 * with everyone disconnected (not a second set of connections for the same users).
 */
export const SESSION_CONNECTED_KEY = 'flowscope.console.session.connected';

/** The users to connect again after a reload: those the session said were connected, on this target, that still exist. */
export function usersToRestore(stored: unknown, baseUrl: string, known: readonly string[]): string[] {
  if (stored === null || typeof stored !== 'object') return [];
  const { baseUrl: url, users } = stored as { baseUrl?: unknown; users?: unknown };
  if (url !== baseUrl || !Array.isArray(users)) return [];
  return users.filter((u): u is string => typeof u === 'string' && known.includes(u));
}

function sessionStore(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

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

function usersOf(record: TargetRecord | undefined): UserEntry[] {
  return (record?.users ?? []).map((u) => ({ userId: u.userId, token: u.token, transport: u.transport, state: 'idle' }));
}

const store = createLazyStore<ConnectionsState>(() => {
  const stored = loadTargets();
  return { baseUrl: stored.current, targets: stored.order, users: usersOf(stored.targets[stored.current]) };
});
const connections = new Map<string, FlowscopeConnection>();
const reconnectTimers = new Map<string, ReturnType<typeof setTimeout>>();
/** Users whose connection was lost (not closed by the user): reconnected automatically. */
const lost = new Set<string>();
const envelopeListeners = new Set<(userId: string, envelope: ReceivedEnvelope, connection: number) => void>();
const endListeners = new Set<(userId: string, connection: number) => void>();
/** The serial of each user's current connection (see `onConnectionEnd`). */
const serials = new Map<string, number>();
let lastSerial = 0;
/** One `/health` watch per target with lost users: they reconnect as soon as it answers again. */
const healthWatches = new Map<string, HealthWatch>();
let restored = false;
const targetListeners = new Set<(baseUrl: string) => void>();
/** The runs of a user still in progress (the timeline's): asked again after a reconnect. */
let runsToResume: (userId: string) => Iterable<{ runId: string; lastSeq: number }> = () => [];

/** A field other features keep in a target's record (read from storage). */
export function targetField<T>(baseUrl: string, field: string): T | undefined {
  return readJson<StoredTargets>(TARGETS_KEY)?.targets[baseUrl]?.[field] as T | undefined;
}

/** Writes a field other features keep in the current target's record. */
export function setTargetField(field: string, value: unknown): void {
  const state = store.get();
  const all = readJson<StoredTargets>(TARGETS_KEY) ?? { current: state.baseUrl, order: [], targets: {} };
  const prev = all.targets[state.baseUrl];
  all.targets[state.baseUrl] = { ...prev, users: prev?.users ?? storedUsers(prev), [field]: value };
  all.current = state.baseUrl;
  all.order = state.targets;
  localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
}

function storedUsers(prev: TargetRecord | undefined): StoredUser[] {
  return store.get().users.map(({ userId, token, transport }) => ({
    userId,
    token,
    transport,
    connected: prev?.users.find((u) => u.userId === userId)?.connected ?? false,
  }));
}

function persist(): void {
  const state = store.get();
  const all = readJson<StoredTargets>(TARGETS_KEY) ?? { current: state.baseUrl, order: [], targets: {} };
  const prev = all.targets[state.baseUrl];
  all.targets[state.baseUrl] = { ...prev, users: storedUsers(prev) };
  all.current = state.baseUrl;
  all.order = state.targets;
  localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
}

/** Which users of the current target are connected (or coming back), for a reload of this tab. */
function persistSession(): void {
  const storage = sessionStore();
  if (!storage || !restored) return;
  const state = store.get();
  const users = state.users.filter((u) => u.state === 'open' || u.state === 'connecting' || u.state === 'reconnecting').map((u) => u.userId);
  try {
    storage.setItem(SESSION_CONNECTED_KEY, JSON.stringify({ baseUrl: state.baseUrl, users }));
  } catch {
    // storage full or denied: a reload then starts disconnected
  }
}

function setState(patch: Partial<ConnectionsState>): void {
  store.set(patch);
  persist();
  persistSession();
}

function updateUser(userId: string, patch: Partial<UserEntry>): void {
  setState({ users: store.get().users.map((u) => (u.userId === userId ? { ...u, ...patch } : u)) });
}

/** Remembers whether each user of the current target is connected (for switching back to it). */
function rememberConnected(): void {
  const state = store.get();
  const all = readJson<StoredTargets>(TARGETS_KEY);
  const record = all?.targets[state.baseUrl];
  if (!all || !record) return;
  for (const u of record.users) {
    const live = state.users.find((x) => x.userId === u.userId);
    u.connected = live ? live.state === 'open' || live.state === 'reconnecting' || live.state === 'connecting' : false;
  }
  localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
}

/** Every envelope a user's connection receives, as it arrives (after the traffic log has it), with that connection's serial. */
export function onEnvelope(listener: (userId: string, envelope: ReceivedEnvelope, connection: number) => void): () => void {
  envelopeListeners.add(listener);
  return () => envelopeListeners.delete(listener);
}

/** Called when a user's connection ends (closed, lost, refused or replaced): nothing more arrives on it. */
export function onConnectionEnd(listener: (userId: string, connection: number) => void): () => void {
  endListeners.add(listener);
  return () => endListeners.delete(listener);
}

function connectionEnded(userId: string, serial: number | undefined): void {
  if (serial === undefined) return;
  if (serials.get(userId) === serial) serials.delete(userId);
  for (const l of endListeners) l(userId, serial);
}

/** Called after a switch to another target (its users are loaded; what was sent before is for the old one). */
export function onTargetChange(listener: (baseUrl: string) => void): () => void {
  targetListeners.add(listener);
  return () => targetListeners.delete(listener);
}

/** Where a reconnected user's runs in progress come from (the timeline's run index). */
export function setRunsToResume(provider: (userId: string) => Iterable<{ runId: string; lastSeq: number }>): void {
  runsToResume = provider;
}

/** A part of the users and targets state (re-renders when it changes, shallowly). */
export function useConnections<T>(select: (s: ConnectionsState) => T): T {
  return useStoreSlice(store, select);
}

/** The current state, outside React. */
export function getConnections(): ConnectionsState {
  return store.get();
}

export function rest(): RestClient {
  return createRestClient(store.get().baseUrl);
}

function clearReconnect(userId: string): void {
  const t = reconnectTimers.get(userId);
  if (t) clearTimeout(t);
  reconnectTimers.delete(userId);
}

/** Probes the target's `/health` while any of its users waits to reconnect; stops when none does. */
function watchHealth(): void {
  const target = store.get().baseUrl;
  for (const [url, watch] of healthWatches) {
    if (url !== target || lost.size === 0) {
      watch.stop();
      healthWatches.delete(url);
    }
  }
  if (lost.size === 0 || healthWatches.has(target)) return;
  const watch = new HealthWatch(
    () => probeHealth(target),
    () => {
      // back: every user still waiting for its backoff connects now
      if (store.get().baseUrl !== target) return;
      for (const userId of [...lost]) if (reconnectTimers.has(userId)) connectionActions.reconnectNow(userId);
    },
  );
  healthWatches.set(target, watch);
  watch.start();
}

/** A lost connection: try again after the backoff (the row counts down to `reconnectAt`). */
function scheduleReconnect(userId: string, refusal?: ConnectionRefusal): void {
  const user = store.get().users.find((u) => u.userId === userId);
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
  watchHealth();
}

/** Runs of this user still in progress: asked again from the seq after the last one seen. */
function resumeRuns(userId: string, conn: FlowscopeConnection): number {
  let n = 0;
  for (const run of runsToResume(userId)) {
    conn.send(
      JSON.stringify({ type: 'resume', message_id: `resume_${run.runId}_${Date.now().toString(36)}`, payload: { run_id: run.runId, after_seq: run.lastSeq } }),
    );
    n++;
  }
  return n;
}

/** Users connected again by `restoreSession` whose runs in progress are still to be resumed. */
const restoring = new Set<string>();

/**
 * After a page reload the console knows none of this user's runs: those the API lists as in
 * progress are resumed from their start, on the connection just opened (the server holds the
 * runs' live events until then, and sends each seq once).
 */
async function resumeAfterReload(userId: string, token: string, conn: FlowscopeConnection): Promise<void> {
  let ids: string[];
  try {
    ids = runsInProgress(await rest().listRuns(token));
  } catch {
    return; // the runs' live events still come; only what happened before the reload is missing
  }
  if (connections.get(userId) !== conn || ids.length === 0) return;
  for (const runId of ids)
    conn.send(JSON.stringify({ type: 'resume', message_id: `resume_${runId}_${Date.now().toString(36)}`, payload: { run_id: runId, after_seq: 0 } }));
  updateUser(userId, { resumed: ids.length });
}

function openConnection(userId: string): void {
  const user = store.get().users.find((u) => u.userId === userId);
  if (!user) return;
  connections.get(userId)?.close();
  connectionEnded(userId, serials.get(userId));
  const serial = ++lastSerial;
  serials.set(userId, serial);
  const wasLost = lost.has(userId);
  const target = store.get().baseUrl;
  updateUser(userId, {
    state: wasLost ? 'reconnecting' : 'connecting',
    ...(wasLost ? {} : { refusal: undefined }),
    reconnectAt: undefined,
    connectedTo: target,
  });
  // batched delivery: a flood of events reaches the console in tens of frames a second, not thousands (docs/protocol.md)
  const conn = connect({ url: target, token: user.token, transport: user.transport, batch: true });
  connections.set(userId, conn);
  conn.onState((next, refusal) => {
    if (connections.get(userId) !== conn) return;
    if (next === 'open') {
      const resumed = wasLost ? resumeRuns(userId, conn) : undefined;
      if (restoring.delete(userId)) void resumeAfterReload(userId, user.token, conn);
      lost.delete(userId);
      updateUser(userId, { state: 'open', refusal: undefined, attempt: 0, reconnectAt: undefined, connectedTo: target, resumed });
      watchHealth();
      return;
    }
    if (next === 'refused') {
      if (lost.has(userId) && isRetryableRefusal(refusal?.code)) return scheduleReconnect(userId, refusal);
      lost.delete(userId);
      connections.delete(userId);
      connectionEnded(userId, serial);
      updateUser(userId, { state: 'refused', refusal, reconnectAt: undefined, connectedTo: undefined });
      watchHealth();
      return;
    }
    if (next === 'closed' || next === 'reconnecting') {
      // closed by the server or the network (a close by the user removes the connection first)
      connections.delete(userId);
      conn.close();
      connectionEnded(userId, serial);
      lost.add(userId);
      return scheduleReconnect(userId, refusal);
    }
    updateUser(userId, { state: next, refusal });
  });
  conn.onEnvelope((envelope) => {
    if (connections.get(userId) !== conn) return;
    tap({ direction: 'received', userId, at: Date.now(), envelope });
    for (const l of envelopeListeners) l(userId, envelope, serial);
  });
}

function closeConnection(userId: string): void {
  lost.delete(userId);
  clearReconnect(userId);
  const conn = connections.get(userId);
  connections.delete(userId);
  conn?.close();
  connectionEnded(userId, serials.get(userId));
  watchHealth();
}

export const connectionActions = {
  /** Switches to another target: the current users are disconnected; the new target's users come back, connected if they were. */
  setBaseUrl(baseUrl: string): void {
    const state = store.get();
    const next = baseUrl.replace(/\/$/, '');
    if (next === state.baseUrl) return;
    rememberConnected();
    for (const u of state.users) closeConnection(u.userId);
    const all = readJson<StoredTargets>(TARGETS_KEY);
    const record = all?.targets[next];
    const targets = [next, ...state.targets.filter((t) => t !== next)].slice(0, 20);
    setState({ baseUrl: next, targets, users: usersOf(record) });
    for (const l of targetListeners) l(next);
    for (const u of record?.users ?? []) if (u.connected) openConnection(u.userId);
  },
  /** Users of the current target with a connection up or coming up (a target switch asks first). */
  connectedUsers(): string[] {
    return store
      .get()
      .users.filter((u) => u.state === 'open' || u.state === 'connecting' || u.state === 'reconnecting')
      .map((u) => u.userId);
  },
  forgetTarget(url: string): void {
    const state = store.get();
    if (url === state.baseUrl) return;
    const all = readJson<StoredTargets>(TARGETS_KEY);
    if (all) {
      delete all.targets[url];
      localStorage.setItem(TARGETS_KEY, JSON.stringify(all));
    }
    setState({ targets: state.targets.filter((t) => t !== url) });
  },
  /** After a page reload: connects again the users this tab had connected (once; later calls do nothing). */
  restoreSession(): void {
    if (restored) return;
    restored = true;
    let stored: unknown;
    try {
      stored = JSON.parse(sessionStore()?.getItem(SESSION_CONNECTED_KEY) ?? 'null');
    } catch {
      stored = null;
    }
    const state = store.get();
    for (const userId of usersToRestore(
      stored,
      state.baseUrl,
      state.users.map((u) => u.userId),
    ))
      if (!connections.has(userId)) {
        restoring.add(userId);
        openConnection(userId);
      }
    persistSession();
  },
  /** Is this user id already one of the current target's users? */
  hasUser(userId: string): boolean {
    return store.get().users.some((u) => u.userId === userId);
  },
  addUser(userId: string, token: string, transport: TransportKind): void {
    const users = store.get().users;
    const existing = users.find((u) => u.userId === userId);
    if (existing) {
      setState({ users: users.map((u) => (u.userId === userId ? { ...u, token, transport } : u)) });
      return;
    }
    setState({ users: [...users, { userId, token, transport, state: 'idle' }] });
  },
  /** A new token for a user (a re-mint): the connection is opened again with it. */
  replaceToken(userId: string, token: string): void {
    closeConnection(userId);
    updateUser(userId, { token, refusal: undefined, state: 'idle', attempt: 0 });
    openConnection(userId);
  },
  /** Replaces a user's token (and transport) when it was added again; a live connection is opened again with the new token. */
  replaceUser(userId: string, token: string, transport: TransportKind): void {
    const user = store.get().users.find((u) => u.userId === userId);
    if (!user) return connectionActions.addUser(userId, token, transport);
    const live = user.state === 'open' || user.state === 'connecting' || user.state === 'reconnecting';
    closeConnection(userId);
    updateUser(userId, { token, transport, refusal: undefined, state: 'idle', attempt: 0, reconnectAt: undefined, connectedTo: undefined });
    if (live) openConnection(userId);
  },
  removeUser(userId: string): void {
    closeConnection(userId);
    setState({ users: store.get().users.filter((u) => u.userId !== userId) });
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
    if (!lost.has(userId)) return connectionActions.connect(userId);
    clearReconnect(userId);
    openConnection(userId);
  },
  disconnect(userId: string): void {
    closeConnection(userId);
    if (store.get().users.some((u) => u.userId === userId))
      updateUser(userId, { state: 'closed', reconnectAt: undefined, connectedTo: undefined, refusal: undefined });
  },
  /**
   * Sends text on a user's open connection: when it went (ms since the epoch) and on which
   * connection (its serial), or why it could not (`notConnected`: the user had no open connection).
   */
  send(userId: string, text: string): SendResult {
    const conn = connections.get(userId);
    const connection = serials.get(userId);
    if (!conn || conn.state !== 'open' || connection === undefined) return { ok: false, error: `${userId} is not connected`, notConnected: true };
    try {
      conn.send(text);
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err), notConnected: false };
    }
    const sentAt = Date.now();
    tap({ direction: 'sent', userId, at: sentAt, text, connection });
    return { ok: true, sentAt, connection };
  },
};
