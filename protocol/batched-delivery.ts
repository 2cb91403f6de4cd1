/**
 * Batched delivery (an extension, opt-in on connect; docs/protocol.md, "Batched delivery"):
 * a connection that asks for it gets every envelope inside an array, the envelopes the server
 * had for it at one moment in one frame, in order. A browser spends more on each WebSocket
 * message it receives (outside the page's script) than on the JSON inside a small one, so a
 * console watching thousands of events a second gets them in tens of frames a second instead
 * of thousands. Without the option nothing changes.
 *
 * - Socket.IO: `auth: { token, batch: true }`; each delivery is the event `batch` whose one
 *   argument is an array of envelopes (each with its `type`).
 * - `/ws?batch=1`: each frame is a JSON array of envelopes (of `ag_ui` frames with
 *   `events=ag-ui`).
 */

/** The Socket.IO event a batch arrives under. */
export const BATCH_EVENT = 'batch';

/** The `/ws` query parameter and the Socket.IO `auth` field that ask for batches. */
export const BATCH_OPTION = 'batch';

export type BatchOption = { ok: true; batch: boolean } | { ok: false; message: string };

/** `/ws?batch=`: `1` or `true` asks for batches; absent, empty, `0` or `false` does not; anything else is refused. */
export function wsBatchOption(value: string | null | undefined): BatchOption {
  if (value === null || value === undefined || value === '' || value === '0' || value === 'false') return { ok: true, batch: false };
  if (value === '1' || value === 'true') return { ok: true, batch: true };
  return { ok: false, message: `batch: 1, true, 0 or false (got "${value.slice(0, 40)}").` };
}

/** Socket.IO `auth.batch`: `true` asks for batches; absent or `false` does not; anything else is refused. */
export function socketIoBatchOption(value: unknown): BatchOption {
  if (value === undefined || value === false) return { ok: true, batch: false };
  if (value === true) return { ok: true, batch: true };
  return {
    ok: false,
    message: `auth.batch: true or false (got ${typeof value === 'string' ? `"${value.slice(0, 40)}"` : value === null ? 'null' : typeof value}).`,
  };
}
