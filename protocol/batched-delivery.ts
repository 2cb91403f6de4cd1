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

/** An envelope as received (parsed, not validated) with its text: the frame's, or its JSON made when asked for. */
export interface ReceivedItem {
  envelope: { type: string; [key: string]: unknown };
  raw: string | (() => string);
}

const jsonOf = (value: unknown) => () => JSON.stringify(value) ?? String(value);

/** `value` if it is an envelope (an object with a string `type`), else an `(unparseable)` one holding its text. */
function itemOf(value: unknown, raw: string | (() => string)): ReceivedItem {
  const isEnvelope = value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string';
  return { envelope: isEnvelope ? (value as ReceivedItem['envelope']) : { type: '(unparseable)', raw: typeof raw === 'string' ? raw : raw() }, raw };
}

/**
 * What a `/ws` text frame holds, as clients read it: its envelope, or (`batched`: the client
 * asked for batches, or cannot know, as a recording's reader) each envelope of a JSON array.
 */
export function envelopesOfWsFrame(text: string, batched: boolean): ReceivedItem[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [itemOf(undefined, text)];
  }
  if (batched && Array.isArray(value)) return value.map((item: unknown) => itemOf(item, jsonOf(item)));
  return [itemOf(value, text)];
}

/**
 * What a Socket.IO event holds, as clients read it: its argument with the event's name as
 * `type`, or (`batched`) each envelope of a `batch` event (one that is not an array reads as
 * an `(unparseable)` envelope).
 */
export function envelopesOfSocketIoEvent(event: string, arg: unknown, batched: boolean): ReceivedItem[] {
  if (batched && event === BATCH_EVENT) {
    if (!Array.isArray(arg)) return [itemOf(undefined, jsonOf(arg)())];
    return arg.map((item: unknown) => itemOf(item, jsonOf(item)));
  }
  const envelope = arg !== null && typeof arg === 'object' ? { type: event, ...(arg as object) } : { type: event, payload: arg };
  return [{ envelope, raw: jsonOf(arg) }];
}
