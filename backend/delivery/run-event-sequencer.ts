/**
 * Exactly-once, in-order delivery of run events to one connection, across `resume`
 * (protocol.md, "resume"). Per connection and run it remembers which seqs were delivered:
 * - a seq already delivered to the connection is never sent again (a live event that the
 *   resume's replay also holds, or a replay of what arrived live);
 * - while a `resume` reads the stored events, live events of that run are held, then merged
 *   with the replay and sent in seq order;
 * - a connection that first hears of a run in the middle (its first live event has seq > 1:
 *   it connected while the run was going, typically a reconnect) holds that run's live events
 *   until the connection's first message has been handled (at most FIRST_MESSAGE_GRACE_MS),
 *   then RESUME_GRACE_MS more, so a `resume` sent right after connecting is merged in order
 *   instead of arriving after newer live events. The hold ends at once when the resume ends.
 * Envelopes without a run seq (acks, errors, pongs) pass straight through.
 */
import type { ServerEnvelope } from '../../protocol/index.ts';

/** How long live events of a run first heard of mid-way wait for a `resume`. */
export const RESUME_GRACE_MS = 1000;
/** On a connection that has not had a message handled yet: the longest wait for its first. */
export const FIRST_MESSAGE_GRACE_MS = 2000;
/** Runs remembered per connection (the oldest is forgotten first). */
export const MAX_TRACKED_RUNS = 256;

type RunEvent = ServerEnvelope & { run_id: string; seq: number };

interface RunState {
  delivered: Set<number>;
  held: RunEvent[];
  resuming: number;
  timer: NodeJS.Timeout | null;
}

function isRunEvent(envelope: ServerEnvelope): envelope is RunEvent {
  const e = envelope as { run_id?: unknown; seq?: unknown };
  return typeof e.run_id === 'string' && typeof e.seq === 'number';
}

export class RunEventSequencer {
  readonly #runs = new Map<string, RunState>();
  #closed = false;
  #handledAny = false;

  constructor(
    private readonly send: (envelope: ServerEnvelope) => void,
    private readonly graceMs = RESUME_GRACE_MS,
    private readonly firstMessageGraceMs = FIRST_MESSAGE_GRACE_MS,
  ) {}

  /** A message of this connection was handled (its reply, if any, sent). */
  handled(): void {
    if (this.#handledAny) return;
    this.#handledAny = true;
    // The first message is handled: held runs get RESUME_GRACE_MS more for their resume.
    for (const state of this.#runs.values()) if (state.timer && state.resuming === 0) this.#hold(state, this.graceMs);
  }

  #hold(state: RunState, ms: number): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = setTimeout(() => {
      state.timer = null;
      if (state.resuming === 0) this.#flush(state, []);
    }, ms);
    state.timer.unref?.();
  }

  /** A live envelope for this connection. */
  deliver(envelope: ServerEnvelope): void {
    if (this.#closed) return;
    if (!isRunEvent(envelope)) {
      this.send(envelope);
      return;
    }
    const known = this.#runs.has(envelope.run_id);
    const state = this.#state(envelope.run_id);
    if (state.delivered.has(envelope.seq)) return;
    if (state.resuming > 0 || state.timer) {
      state.held.push(envelope);
      return;
    }
    if (!known && envelope.seq > 1 && this.graceMs > 0) {
      state.held.push(envelope);
      this.#hold(state, this.#handledAny ? this.graceMs : this.firstMessageGraceMs);
      return;
    }
    this.#emit(state, envelope);
  }

  /**
   * Replays the run's stored events after `afterSeq` (from `read`), merged with the live
   * events that arrive meanwhile, each seq once, in seq order.
   */
  async resume(runId: string, read: () => Promise<ServerEnvelope[]>): Promise<void> {
    const state = this.#state(runId);
    state.resuming += 1;
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = null;
    }
    let stored: RunEvent[] = [];
    try {
      stored = (await read()).filter(isRunEvent);
    } finally {
      state.resuming -= 1;
      if (state.resuming === 0) this.#flush(state, stored);
      else state.held.push(...stored);
    }
  }

  /** Forgets everything; nothing more is sent. */
  close(): void {
    this.#closed = true;
    for (const state of this.#runs.values()) if (state.timer) clearTimeout(state.timer);
    this.#runs.clear();
  }

  #flush(state: RunState, stored: RunEvent[]): void {
    const all = [...stored, ...state.held].sort((a, b) => a.seq - b.seq);
    state.held = [];
    for (const envelope of all) if (!state.delivered.has(envelope.seq)) this.#emit(state, envelope);
  }

  #emit(state: RunState, envelope: RunEvent): void {
    if (this.#closed) return;
    state.delivered.add(envelope.seq);
    this.send(envelope);
  }

  #state(runId: string): RunState {
    let state = this.#runs.get(runId);
    if (state) {
      // most recently used last
      this.#runs.delete(runId);
      this.#runs.set(runId, state);
      return state;
    }
    state = { delivered: new Set(), held: [], resuming: 0, timer: null };
    this.#runs.set(runId, state);
    while (this.#runs.size > MAX_TRACKED_RUNS) {
      const [oldest, old] = this.#runs.entries().next().value as [string, RunState];
      if (old.resuming > 0 || old.timer) break;
      this.#runs.delete(oldest);
    }
    return state;
  }
}
