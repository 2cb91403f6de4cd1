/**
 * Writes a recorded session as HAR 1.2, one entry per user connection, with the frames in
 * `_webSocketMessages` as Chrome DevTools and Playwright write them (`type`, `time` in epoch
 * seconds, `opcode`, `data`), so the file opens in DevTools, HAR viewers and our importer.
 * Socket.IO connections carry Engine.IO/Socket.IO framing (`0{...}` open, `40` connect,
 * `42[...]` events) exactly as on the wire; `/ws` connections carry the JSON text itself.
 * Tokens are never written: not in the url, not in the connect packet.
 */
import type { RecordedSession, RecordedUser } from './recorded-session.ts';

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarWebSocketMessage {
  type: 'send' | 'receive';
  /** Seconds since the epoch, with the milliseconds as fraction. */
  time: number;
  /** 1 text, 2 binary (base64 data). */
  opcode: number;
  data: string;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: unknown[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, unknown>;
  timings: { blocked?: number; dns?: number; connect?: number; ssl?: number; send: number; wait: number; receive: number };
  _resourceType?: string;
  _webSocketMessages?: HarWebSocketMessage[];
  /** Which session user the connection belongs to (our extension; other tools ignore it). */
  _flowscope?: { user: string; user_id: string; transport: RecordedUser['transport'] };
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number };
}

export interface Har {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    pages: HarPage[];
    entries: HarEntry[];
  };
}

export const HAR_CREATOR = 'flowscope';
const PAGE_ID = 'page_1';

/** The connection url without any token: `ws://host/socket.io/?EIO=4&transport=websocket` or `ws://host/ws`. */
export function connectionUrl(target: string, transport: RecordedUser['transport']): string {
  const url = new URL(target);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  const base = url.pathname.replace(/\/$/, '');
  url.search = '';
  url.hash = '';
  if (transport === 'socketio') {
    url.pathname = `${base}/socket.io/`;
    url.search = '?EIO=4&transport=websocket';
  } else {
    url.pathname = `${base}/ws`;
  }
  return url.toString();
}

/** A stable Engine.IO-looking session id (20 chars of the base64url alphabet) for a user. */
function fakeSid(seed: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let h = 0x811c9dc5;
  let out = '';
  for (let i = 0; i < 20; i++) {
    for (const ch of `${seed}:${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += alphabet[h % 64];
  }
  return out;
}

/** Socket.IO's wire form of an event: `42["name",arg]`. */
function socketIoEvent(name: string, arg: unknown): string {
  return `42${JSON.stringify([name, arg])}`;
}

function textOf(data: unknown): string {
  return typeof data === 'string' ? data : JSON.stringify(data);
}

export function harFromSession(session: RecordedSession): Har {
  const t0 = Date.parse(session.started_at);
  if (Number.isNaN(t0)) throw new Error(`started_at is not a date: ${session.started_at}`);
  const epochSeconds = (atMs: number) => (t0 + atMs) / 1000;
  const target = new URL(session.target);
  const host = target.host;
  // The page is the target without query or fragment (a `?token=` must not leak).
  const pageTitle = `${target.protocol}//${target.host}${target.pathname.replace(/\/$/, '')}`;

  const entries = session.users.map((user): HarEntry => {
    const frames: Array<{ at: number; order: number; type: 'send' | 'receive'; data: string }> = [];
    let order = 0;
    const push = (at: number, type: 'send' | 'receive', data: string) => frames.push({ at, order: order++, type, data });
    for (const s of session.sent) {
      if (s.user !== user.key) continue;
      push(s.at_ms, 'send', user.transport === 'socketio' ? socketIoEvent('message', s.data) : textOf(s.data));
    }
    for (const r of session.received) {
      if (r.user !== user.key) continue;
      const env = r.envelope;
      if (user.transport === 'socketio') push(r.at_ms, 'receive', socketIoEvent(String(env.type), env));
      else push(r.at_ms, 'receive', env.type === '(unparseable)' && typeof env.raw === 'string' ? env.raw : JSON.stringify(env));
    }
    frames.sort((a, b) => a.at - b.at || a.order - b.order);
    const first = frames[0]?.at ?? 0;
    const last = frames[frames.length - 1]?.at ?? first;
    const messages: HarWebSocketMessage[] = [];
    if (user.transport === 'socketio') {
      // The handshake as on the wire; the connect packet goes without the auth (the token).
      const sid = fakeSid(`${session.started_at}:${user.key}`);
      const open = { sid, upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1000000 };
      messages.push({ type: 'receive', time: epochSeconds(first), opcode: 1, data: `0${JSON.stringify(open)}` });
      messages.push({ type: 'send', time: epochSeconds(first), opcode: 1, data: '40' });
      messages.push({ type: 'receive', time: epochSeconds(first), opcode: 1, data: `40${JSON.stringify({ sid: fakeSid(`${sid}:nsp`) })}` });
    }
    for (const f of frames) messages.push({ type: f.type, time: epochSeconds(f.at), opcode: 1, data: f.data });

    const url = connectionUrl(session.target, user.transport);
    return {
      pageref: PAGE_ID,
      startedDateTime: new Date(t0 + first).toISOString(),
      time: Math.max(0, last - first),
      request: {
        method: 'GET',
        url,
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [
          { name: 'Host', value: host },
          { name: 'Connection', value: 'Upgrade' },
          { name: 'Upgrade', value: 'websocket' },
          { name: 'Sec-WebSocket-Version', value: '13' },
        ],
        queryString: [...new URL(url).searchParams].map(([name, value]) => ({ name, value })),
        headersSize: -1,
        bodySize: 0,
      },
      response: {
        status: 101,
        statusText: 'Switching Protocols',
        httpVersion: 'HTTP/1.1',
        cookies: [],
        headers: [
          { name: 'Connection', value: 'Upgrade' },
          { name: 'Upgrade', value: 'websocket' },
        ],
        content: { size: 0, mimeType: 'x-unknown' },
        redirectURL: '',
        headersSize: -1,
        bodySize: 0,
      },
      cache: {},
      timings: { blocked: -1, dns: -1, connect: -1, ssl: -1, send: 0, wait: 0, receive: 0 },
      _resourceType: 'websocket',
      _webSocketMessages: messages,
      _flowscope: { user: user.key, user_id: user.id, transport: user.transport },
    };
  });

  return {
    log: {
      version: '1.2',
      creator: { name: HAR_CREATOR, version: '1' },
      pages: [{ startedDateTime: session.started_at, id: PAGE_ID, title: pageTitle, pageTimings: { onContentLoad: -1, onLoad: -1 } }],
      entries,
    },
  };
}
