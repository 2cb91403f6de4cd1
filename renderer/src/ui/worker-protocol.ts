/** The messages between the page and the connection worker (connection-worker.ts, worker-connection.ts). */
import type { ConnectionOptions, ConnectionRefusal, ConnectionState } from '../../../client/flowscope-connection.ts';

/**
 * How long the worker gathers received envelopes before it posts them (one message per batch).
 * A frame's worth: the page renders them once per frame at most, and each message is a task
 * on the page's main thread with a cost of its own (at 5,000 events a second, 4 ms batches
 * were 250 tasks a second).
 */
export const WORKER_BATCH_MS = 16;
/**
 * At most this many in one message: after a stall, a backlog reaches the page as several
 * messages (tasks), so the page can render between them instead of taking it in one long task.
 */
export const WORKER_BATCH_MAX = 250;

export type ToWorker =
  | { op: 'connect'; id: number; options: Omit<ConnectionOptions, 'WebSocketImpl'> }
  | { op: 'send'; id: number; message: unknown }
  | { op: 'close'; id: number }
  | { op: 'drop'; id: number };

export type FromWorker =
  | { kind: 'state'; id: number; state: ConnectionState; refusal?: ConnectionRefusal | undefined }
  /**
   * Envelopes one connection received, in order, as one JSON text (an array of the parsed
   * envelopes): a string crosses to the page as one copy, where a structured clone of
   * thousands of small objects is a deserialisation per object on the page's main thread,
   * slower than the one `JSON.parse` the page does instead.
   */
  | { kind: 'envelopes'; id: number; json: string }
  | { kind: 'send-error'; id: number; message: string };
