/**
 * One socket write per connection per turn of the event loop. A connection's envelopes are
 * encoded when sent (each frame's text made once per envelope and shared by every connection
 * that gets it) and queued in its outbox; once per turn (setImmediate, after the I/O callbacks
 * and their promise continuations of the turn) every outbox with frames hands them to its
 * transport together, which writes them to its TCP socket corked: one `writev` for all.
 *
 * An outbox is flushed early once it holds FLUSH_AT_LENGTH. What sits in an outbox counts as
 * owed (`queuedLength`), so the slow-reader rule (SLOW_CONSUMER) sees it beside the socket's
 * own buffer. A transport flushes its outbox itself before it writes a close (`flush`), so a
 * goodbye goes out before the close and in order, and drops it when the connection is gone
 * (`discard`). A transport whose write throws is told (`failed`); the other connections'
 * frames go out regardless.
 */

/**
 * An outbox holding this much is flushed at once rather than at the end of the turn (a
 * `resume` replaying a long run, say): a batch that size gains nothing from growing, and the
 * kernel takes it as it did before batching, so the slow-reader cap still means what it owes.
 */
export const FLUSH_AT_LENGTH = 64 * 1024;

/** Where an outbox's frames go. */
export interface OutboxSink {
  /** Writes the frames, in order, as one socket write where the transport allows. */
  write(frames: readonly string[]): void;
  /** `write` threw: the frames are lost, so the connection should be cut off. */
  failed(error: unknown): void;
}

/** A socket that can hold writes back (a `net.Socket`, `stream.Writable`). */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Outboxes with frames, in the order their first frame of the turn was queued. */
let pending = new Set<TickOutbox>();
let scheduled = false;

function flushPending(): void {
  scheduled = false;
  const boxes = pending;
  pending = new Set();
  for (const box of boxes) box.flush();
}

export class TickOutbox {
  #frames: string[] = [];
  #length = 0;

  constructor(private readonly sink: OutboxSink) {}

  /** Characters queued here and not yet handed to the socket (about the bytes: frames are mostly ASCII JSON). */
  get queuedLength(): number {
    return this.#length;
  }

  /** Frames queued here. */
  get size(): number {
    return this.#frames.length;
  }

  /** Queues a frame; the outbox is flushed at the end of this turn of the event loop. */
  push(frame: string): void {
    this.#frames.push(frame);
    this.#length += frame.length;
    if (this.#length >= FLUSH_AT_LENGTH) {
      this.flush();
      return;
    }
    if (this.#frames.length > 1) return;
    pending.add(this);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushPending);
    }
  }

  /** Hands what is queued to the socket now (before a close, say). */
  flush(): void {
    if (this.#frames.length === 0) return;
    const frames = this.#frames;
    this.#frames = [];
    this.#length = 0;
    pending.delete(this);
    try {
      this.sink.write(frames);
    } catch (error) {
      try {
        this.sink.failed(error);
      } catch {
        // The connection's own teardown failed too: it is gone either way, and the other
        // outboxes of this turn must still be written (this runs from setImmediate, where a
        // throw would end the process).
      }
    }
  }

  /** Drops what is queued (the connection is gone, or is cut off with its buffer). */
  discard(): void {
    this.#frames = [];
    this.#length = 0;
    pending.delete(this);
  }
}

/** Runs `write` with the socket corked, so what it writes leaves in one `writev`. */
export function corked(socket: Corkable | undefined, write: () => void): void {
  if (!socket) {
    write();
    return;
  }
  socket.cork();
  try {
    write();
  } finally {
    socket.uncork();
  }
}
