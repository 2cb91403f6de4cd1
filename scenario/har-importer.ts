/**
 * Reads a HAR (Chrome DevTools "Save all as HAR with content", Playwright `recordHar` with
 * embedded content, or har-exporter.ts) back into a recorded session: every WebSocket entry
 * (`_webSocketMessages`) to `/socket.io` or `/ws` is one user connection. Engine.IO and
 * Socket.IO framing is decoded (open, connect with the auth token, ping/pong, events with or
 * without ack ids); `/ws` frames are the JSON itself; binary frames are skipped. The user id
 * comes from the token's `sub` (connect auth, `?token=` or an Authorization header), never
 * verified; other entries (pages, XHR, other sockets) are ignored.
 */
import { envelopesOfSocketIoEvent, envelopesOfWsFrame, SERVER_EVENT_TYPES } from '../protocol/index.ts';
import type { HarWebSocketMessage } from './har-exporter.ts';
import type { RecordedSession, RecordedUser, SessionTransport } from './recorded-session.ts';
import type { ReceivedRecord, SentRecord } from './scenario-result.ts';
import { peekSubject } from './token-forge.ts';

export type HarImportResult = { ok: true; session: RecordedSession } | { ok: false; error: string };

const USER_KEY = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const SERVER_TYPES: readonly string[] = SERVER_EVENT_TYPES;
/** The `/ws` readiness ping of flowscope-connection.ts: connection plumbing, not a message. */
const READY_PING_ID = '__flowscope_ready__';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

interface SocketIoPacket {
  /** Socket.IO packet type: 0 connect, 1 disconnect, 2 event, 3 ack, 4 connect_error, 5/6 binary. */
  type: string;
  nsp: string;
  data: unknown;
}

/** One Engine.IO text frame: `4` + a Socket.IO packet, or a transport-level packet (undefined). */
export function decodeSocketIoFrame(frame: string): SocketIoPacket | undefined {
  if (frame[0] !== '4') return undefined; // 0 open, 1 close, 2 ping, 3 pong, 5 upgrade, 6 noop
  const packet = frame.slice(1);
  const type = packet[0];
  if (type === undefined || type < '0' || type > '6') return undefined;
  let i = 1;
  if (type === '5' || type === '6') return { type, nsp: '/', data: undefined }; // attachments follow as binary frames
  let nsp = '/';
  if (packet[i] === '/') {
    const comma = packet.indexOf(',', i);
    nsp = comma === -1 ? packet.slice(i) : packet.slice(i, comma);
    i = comma === -1 ? packet.length : comma + 1;
  }
  while (i < packet.length && (packet[i] as string) >= '0' && (packet[i] as string) <= '9') i++; // ack id
  const rest = packet.slice(i);
  if (!rest) return { type, nsp, data: undefined };
  const parsed = tryJson(rest);
  return parsed.ok ? { type, nsp, data: parsed.value } : undefined;
}

type Envelope = Record<string, unknown> & { type: string };

/**
 * The envelopes as flowscope-connection.ts delivers a `/ws` text frame: the frame's, or those
 * of a batch (a JSON array: batched delivery, docs/protocol.md, as the console asks for).
 */
function wsEnvelopes(text: string): Envelope[] {
  return envelopesOfWsFrame(text, true).map((item) => item.envelope);
}

/** The envelopes as flowscope-connection.ts delivers a Socket.IO event: its own, or those of a `batch` event. */
function socketIoEnvelopes(event: string, arg: unknown): Envelope[] {
  return envelopesOfSocketIoEvent(event, arg, true).map((item) => item.envelope);
}

function classify(url: URL | undefined, frames: HarWebSocketMessage[]): SessionTransport | undefined {
  if (url) {
    if (url.pathname.includes('/socket.io') || url.searchParams.has('EIO')) return 'socketio';
    if (/\/ws\/?$/.test(url.pathname)) return 'ws';
  }
  const first = frames.find((f) => f.type === 'receive');
  if (first && /^0\{/.test(first.data)) {
    const open = tryJson(first.data.slice(1));
    if (open.ok && isObject(open.value) && typeof open.value.sid === 'string') return 'socketio';
  }
  // Another path: ours if the server sent protocol envelopes.
  const speaksProtocol = frames.some((f) => f.type === 'receive' && wsEnvelopes(f.data).some((e) => SERVER_TYPES.includes(e.type)));
  return speaksProtocol ? 'ws' : undefined;
}

function headerToken(entry: Record<string, unknown>): string | undefined {
  const request = isObject(entry.request) ? entry.request : {};
  const headers = Array.isArray(request.headers) ? request.headers : [];
  for (const h of headers) {
    if (isObject(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'authorization' && typeof h.value === 'string') {
      const m = /^Bearer\s+(.+)$/i.exec(h.value.trim());
      if (m) return m[1];
    }
  }
  return undefined;
}

function targetOf(url: URL | undefined): string {
  if (!url) return 'http://localhost';
  const protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  const prefix = url.pathname
    .replace(/\/socket\.io(\/.*)?$/, '')
    .replace(/\/ws\/?$/, '')
    .replace(/\/$/, '');
  return `${protocol}//${url.host}${prefix}`;
}

function validFrames(raw: unknown[]): { frames: HarWebSocketMessage[]; binary: number } {
  const frames: HarWebSocketMessage[] = [];
  let binary = 0;
  for (const m of raw) {
    if (!isObject(m) || (m.type !== 'send' && m.type !== 'receive') || typeof m.time !== 'number' || typeof m.data !== 'string') continue;
    const opcode = typeof m.opcode === 'number' ? m.opcode : 1;
    if (opcode !== 1) {
      if (opcode === 2) binary++;
      continue;
    }
    frames.push({ type: m.type, time: m.time, opcode, data: m.data });
  }
  return { frames, binary };
}

export function sessionFromHar(har: unknown): HarImportResult {
  let doc = har;
  if (typeof har === 'string') {
    const parsed = tryJson(har);
    if (!parsed.ok) return { ok: false, error: 'not JSON: a HAR file is a JSON document ({ "log": { "entries": [...] } })' };
    doc = parsed.value;
  }
  if (!isObject(doc) || !isObject(doc.log) || !Array.isArray(doc.log.entries)) {
    return { ok: false, error: 'not a HAR file: log.entries is missing (expected { "log": { "version": "1.2", "entries": [...] } })' };
  }
  const log = doc.log;
  const entries = (log.entries as unknown[]).filter((e): e is Record<string, unknown> => isObject(e) && Array.isArray(e._webSocketMessages));
  if (entries.length === 0) {
    return {
      ok: false,
      error: `no WebSocket connections in this HAR (${(log.entries as unknown[]).length} entries, none with _webSocketMessages). Record it with Chrome DevTools (Network, "Save all as HAR with content") or Playwright recordHar with content "embed".`,
    };
  }

  interface Timed {
    at: number;
    entry: number;
    frame: number;
  }
  const sent: Array<SentRecord & Timed> = [];
  const received: Array<ReceivedRecord & Timed> = [];
  const users: RecordedUser[] = [];
  const times: Array<{ ms: number; text?: string }> = [];
  let target: string | undefined;
  let skipped = 0;

  const pages = Array.isArray(log.pages) ? log.pages : [];
  for (const p of pages) {
    if (isObject(p) && typeof p.startedDateTime === 'string' && !Number.isNaN(Date.parse(p.startedDateTime)))
      times.push({ ms: Date.parse(p.startedDateTime), text: p.startedDateTime });
  }

  const usedKeys = new Set<string>();
  const nextKey = (): string => {
    for (let i = 0; ; i++) {
      const k = i < 26 ? String.fromCharCode(97 + i) : `u${i + 1}`;
      if (!usedKeys.has(k)) return k;
    }
  };

  const pending: Array<{
    entryIndex: number;
    entry: Record<string, unknown>;
    url: URL | undefined;
    transport: SessionTransport;
    frames: HarWebSocketMessage[];
  }> = [];
  entries.forEach((entry, entryIndex) => {
    const request = isObject(entry.request) ? entry.request : {};
    const url = typeof request.url === 'string' ? parseUrl(request.url) : undefined;
    const { frames } = validFrames(entry._webSocketMessages as unknown[]);
    const transport = classify(url, frames);
    if (!transport) {
      skipped++;
      return;
    }
    pending.push({ entryIndex, entry, url, transport, frames });
    if (typeof entry.startedDateTime === 'string' && !Number.isNaN(Date.parse(entry.startedDateTime)))
      times.push({ ms: Date.parse(entry.startedDateTime), text: entry.startedDateTime });
    for (const f of frames) times.push({ ms: f.time * 1000 });
  });
  if (pending.length === 0) {
    return { ok: false, error: `${skipped} WebSocket connection(s) in this HAR, none to Socket.IO (/socket.io) or /ws speaking the Flowscope protocol` };
  }

  // Claimed keys first, so a generated key never takes one an entry names.
  for (const p of pending) {
    const mark = isObject(p.entry._flowscope) ? p.entry._flowscope : undefined;
    if (mark && typeof mark.user === 'string' && USER_KEY.test(mark.user)) usedKeys.add(mark.user);
  }
  const earliest = times.reduce<{ ms: number; text?: string }>((a, b) => (b.ms < a.ms ? b : a), times[0] ?? { ms: 0 });
  const t0 = earliest.ms;
  const atMs = (seconds: number) => Math.round((seconds * 1000 - t0) * 1000) / 1000;

  const claimed = new Set<string>();
  for (const { entryIndex, entry, url, transport, frames } of pending) {
    target ??= targetOf(url);
    const mark = isObject(entry._flowscope) ? entry._flowscope : undefined;
    let key = mark && typeof mark.user === 'string' && USER_KEY.test(mark.user) && !claimed.has(mark.user) ? mark.user : undefined;
    if (!key) {
      key = nextKey();
      usedKeys.add(key);
    }
    claimed.add(key);
    let token = url?.searchParams.get('token') ?? headerToken(entry);
    let firstUserId: string | undefined;

    frames.forEach((f, frameIndex) => {
      const at = atMs(f.time);
      const base = { user: key, at_ms: at, at, entry: entryIndex, frame: frameIndex };
      if (transport === 'ws') {
        if (f.type === 'send') {
          const parsed = tryJson(f.data);
          const data = parsed.ok && isObject(parsed.value) ? parsed.value : f.data;
          if (isObject(data) && data.type === 'ping' && data.message_id === READY_PING_ID) return;
          sent.push({ ...base, data });
        } else {
          // one record per envelope, a batch's in its order (the sort below is stable)
          for (const envelope of wsEnvelopes(f.data)) {
            if (envelope.type === 'pong' && envelope.message_id === READY_PING_ID) continue;
            firstUserId ??= typeof envelope.user_id === 'string' ? envelope.user_id : undefined;
            received.push({ ...base, envelope });
          }
        }
        return;
      }
      const packet = decodeSocketIoFrame(f.data);
      if (!packet || packet.nsp !== '/') return;
      if (packet.type === '0' && f.type === 'send' && isObject(packet.data) && typeof packet.data.token === 'string') token = packet.data.token;
      if (packet.type !== '2' || !Array.isArray(packet.data) || typeof packet.data[0] !== 'string') return;
      const [event, arg] = packet.data as [string, unknown];
      if (f.type === 'send') {
        if (event === 'message') sent.push({ ...base, data: arg });
      } else {
        for (const envelope of socketIoEnvelopes(event, arg)) {
          firstUserId ??= typeof envelope.user_id === 'string' ? envelope.user_id : undefined;
          received.push({ ...base, envelope });
        }
      }
    });

    const markedId = mark && typeof mark.user_id === 'string' && mark.user_id ? mark.user_id : undefined;
    const id = markedId ?? (token ? peekSubject(token) : undefined) ?? firstUserId ?? `user-${key}`;
    users.push({ key, id, transport });
  }

  const order = (a: Timed, b: Timed) => a.at - b.at || a.entry - b.entry || a.frame - b.frame;
  const strip = <T extends Timed>({ at: _at, entry: _entry, frame: _frame, ...rest }: T) => rest;
  return {
    ok: true,
    session: {
      target: target ?? 'http://localhost',
      started_at: earliest.text ?? new Date(t0).toISOString(),
      users,
      sent: sent.sort(order).map((s) => strip(s) as SentRecord),
      received: received.sort(order).map((r) => strip(r) as ReceivedRecord),
    },
  };
}
