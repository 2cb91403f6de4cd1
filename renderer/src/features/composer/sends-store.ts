/**
 * Composer and sends: what was sent from the composer and what became of it (each batch of
 * received events is matched against the messages still waiting), and the saved messages,
 * kept per target (in the target's record, beside its users).
 */
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';
import { onEventBatch } from '../live-events/index.ts';
import { connectionActions, getConnections, onTargetChange, setTargetField, targetField } from '../users/index.ts';
import { applyReply, messageIdOf, type SentMessage } from './send-outcome.ts';

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

const store = createLazyStore<SendsState>(() => ({ sent: [], saved: targetField<SavedMessage[]>(getConnections().baseUrl, 'saved') ?? [] }));
let nextKey = 1;

function setSaved(saved: SavedMessage[]): void {
  store.set({ saved });
  setTargetField('saved', saved);
}

onEventBatch((incoming) => {
  let sent = store.get().sent;
  if (sent.length === 0) return;
  for (const e of incoming) sent = applyReply(sent, e.userId, e.envelope, e.receivedAt) ?? sent;
  if (sent !== store.get().sent) store.set({ sent });
});

// What was sent went to the old target; the new one has its own saved messages.
onTargetChange((baseUrl) => store.set({ sent: [], saved: targetField<SavedMessage[]>(baseUrl, 'saved') ?? [] }));

/** A part of the sends state (re-renders when it changes, shallowly). */
export function useSends<T>(select: (s: SendsState) => T): T {
  return useStoreSlice(store, select);
}

export const sendActions = {
  /** Sends text as a user and follows what becomes of it; null, or why it could not be sent. */
  send(userId: string, text: string): string | null {
    const result = connectionActions.send(userId, text);
    if (!result.ok) return result.error;
    const entry: SentMessage = { key: nextKey++, userId, text, sentAt: result.sentAt, messageId: messageIdOf(text), outcome: { kind: 'pending' } };
    store.set({ sent: [entry, ...store.get().sent].slice(0, MAX_SENT) });
    return null;
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
