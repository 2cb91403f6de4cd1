/**
 * Composer and sends: every message the users send (from the composer, or a Cancel button
 * elsewhere through `connectionActions.send`: each send the users feature taps)
 * and what became of it (send-outcome.ts), and the saved messages, kept per target (in the
 * target's record, beside its users).
 *
 * The sent list is kept in sessionStorage (`SENT_SESSION_KEY`), per tab: a reload brings back
 * this tab's session, a new tab starts empty, and closing the tab forgets it (the texts may
 * hold what was only meant for this session). Tokens stay where the users feature keeps them.
 */
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';
import {
  connectionActions,
  getConnections,
  onConnectionEnd,
  onEnvelope,
  onTargetChange,
  onTraffic,
  rest,
  setTargetField,
  targetField,
} from '../users/index.ts';
import { ApiError } from '../../../../client/rest-client.ts';
import {
  applyReply,
  applyRunNotFound,
  applyRunStatus,
  endConnection,
  initialOutcome,
  isFollowingRun,
  messageIdOf,
  restoreSent,
  type SentMessage,
} from './send-outcome.ts';

export interface SavedMessage {
  name: string;
  text: string;
  savedAt: number;
}

export interface SendsState {
  sent: SentMessage[];
  saved: SavedMessage[];
}

const MAX_SENT = 100;
export const SENT_SESSION_KEY = 'flowscope.console.session.sent';
/** A cancel with no word of its run by then asks the run's status over REST. */
const CANCEL_CHECK_MS = 1000;
const SAVE_DELAY_MS = 200;

function sessionStore(): Storage | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null;
  }
}

function readSent(baseUrl: string): SentMessage[] {
  try {
    return restoreSent(JSON.parse(sessionStore()?.getItem(SENT_SESSION_KEY) ?? 'null'), baseUrl).slice(0, MAX_SENT);
  } catch {
    return [];
  }
}

const store = createLazyStore<SendsState>(() => {
  const baseUrl = getConnections().baseUrl;
  const sent = readSent(baseUrl);
  nextKey = sent.reduce((max, s) => Math.max(max, s.key + 1), nextKey);
  // restored cancels still following their run: ask what became of it
  setTimeout(() => {
    for (const s of store.get().sent) if (isFollowingRun(s)) void checkCancel(s.key);
  }, 0);
  return { sent, saved: targetField<SavedMessage[]>(baseUrl, 'saved') ?? [] };
});
let nextKey = 1;
let saveTimer: ReturnType<typeof setTimeout> | null = null;

function saveSent(): void {
  saveTimer = null;
  const storage = sessionStore();
  if (!storage) return;
  const { sent } = store.get();
  const write = (lines: SentMessage[]) => storage.setItem(SENT_SESSION_KEY, JSON.stringify({ baseUrl: getConnections().baseUrl, sent: lines }));
  try {
    write(sent);
  } catch {
    try {
      write(sent.slice(0, 10)); // over the storage quota: keep the newest lines
    } catch {
      // storage denied: a reload starts with an empty list
    }
  }
}

function setSent(sent: SentMessage[]): void {
  store.set({ sent });
  if (saveTimer === null) saveTimer = setTimeout(saveSent, SAVE_DELAY_MS);
}

if (typeof window !== 'undefined') {
  // a reload right after a send or a reply: write the list now rather than lose the last change
  window.addEventListener('pagehide', () => {
    if (saveTimer === null) return;
    clearTimeout(saveTimer);
    saveSent();
  });
}

function setSaved(saved: SavedMessage[]): void {
  store.set({ saved });
  setTargetField('saved', saved);
}

/** A cancel's run, asked over REST when its end has not arrived: already finished, or still running. */
async function checkCancel(key: number): Promise<void> {
  const line = store.get().sent.find((s) => s.key === key);
  if (!line || !isFollowingRun(line) || line.outcome.kind !== 'cancel') return;
  const token = getConnections().users.find((u) => u.userId === line.userId)?.token;
  if (!token) return;
  try {
    const run = await rest().getRun(token, line.outcome.runId);
    const next = applyRunStatus(store.get().sent, key, run, Date.now());
    if (next) setSent(next);
  } catch (e) {
    // unknown to this user (never existed, or another user's run): NOT_FOUND, as the server's
    // error says (that error cannot be matched to a cancel sent without an id); unreachable:
    // the line keeps waiting for the run's end
    if (e instanceof ApiError && e.status === 404) {
      const next = applyRunNotFound(store.get().sent, key, e.message, Date.now());
      if (next) setSent(next);
    }
  }
}

// Every send the users feature taps becomes a line (the composer's, a Cancel button's).
onTraffic((t) => {
  if (t.direction !== 'sent') return;
  const line: SentMessage = {
    key: nextKey++,
    userId: t.userId,
    text: t.text,
    sentAt: t.at,
    messageId: messageIdOf(t.text),
    connection: t.connection ?? 0,
    outcome: initialOutcome(t.text),
  };
  setSent([line, ...store.get().sent].slice(0, MAX_SENT));
  if (isFollowingRun(line)) setTimeout(() => void checkCancel(line.key), CANCEL_CHECK_MS);
});

onEnvelope((userId, envelope, connection) => {
  const sent = store.get().sent;
  if (sent.length === 0) return;
  const next = applyReply(sent, userId, connection, envelope, Date.now());
  if (next) setSent(next);
});

onConnectionEnd((userId, connection) => {
  const next = endConnection(store.get().sent, userId, connection, Date.now());
  if (next) setSent(next);
});

// What was sent went to the old target; the new one has its own saved messages.
onTargetChange((baseUrl) => {
  store.set({ saved: targetField<SavedMessage[]>(baseUrl, 'saved') ?? [] });
  setSent([]);
});

/** A part of the sends state (re-renders when it changes, shallowly). */
export function useSends<T>(select: (s: SendsState) => T): T {
  return useStoreSlice(store, select);
}

export const sendActions = {
  /** Sends text as a user (the line and its outcome follow); null, or why it could not be sent. */
  send(userId: string, text: string): { error: string; notConnected: boolean } | null {
    const result = connectionActions.send(userId, text);
    return result.ok ? null : { error: result.error, notConnected: result.notConnected };
  },
  saveMessage(name: string, text: string): void {
    const clean = name.trim();
    if (!clean) return;
    setSaved([{ name: clean, text, savedAt: Date.now() }, ...store.get().saved.filter((s) => s.name !== clean)]);
  },
  deleteSaved(name: string): void {
    setSaved(store.get().saved.filter((s) => s.name !== name));
  },
};
