/**
 * Issue 11, the input / transport / HTTP half, against a real backend on an ephemeral port:
 * NUL characters (SQLite and PostgreSQL alike), prototype names as types, client-chosen
 * thread ids, binary frames in order and rate limited, malformed percent-escapes, nosniff,
 * paging, the inbound backlog cap, slow readers, connection and handshake caps, token
 * expiry on open connections, and no addresses or paths in client-facing errors.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient } from 'socket.io-client';
import { createRestClient } from '../../client/index.ts';
import { startHarness, type Harness, type TestClient } from '../support/backend-harness.ts';
import { dropTestSchema, postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueTestName } from '../support/test-services.ts';
import { startBackend, type BackendOptions, type RunningBackend } from '../../backend/server/flowscope-server.ts';

const SECRET = 'hardening-secret-hardening-secret-000000';
const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();

const STORE_SETUPS: Array<{ name: string; config: () => BackendOptions }> = [{ name: 'SQLite', config: () => ({}) }];
if (pgUp.available) {
  STORE_SETUPS.push({ name: 'PostgreSQL', config: () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: uniqueTestName('edge') }) });
}

type Logged = Array<{ level: string; message: string }>;
async function startLogged(config: BackendOptions = {}): Promise<{ backend: RunningBackend; logged: Logged }> {
  const logged: Logged = [];
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-edge-'));
  const backend = await startBackend({ host: '127.0.0.1', port: 0, quiet: true, jwtSecret: SECRET, dataDir, ...config }, (level, message) => {
    logged.push({ level, message });
  });
  return { backend, logged };
}

/** A raw /ws client that keeps every frame and the close. */
function rawWs(
  url: string,
  token: string,
): Promise<{ ws: WebSocket; frames: Array<Record<string, unknown>>; closed: Promise<{ code: number; reason: string }> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?token=${token}`);
  const frames: Array<Record<string, unknown>> = [];
  ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  ws.on('error', () => undefined);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

async function until(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const codeOf = (e: { [key: string]: unknown }) => (e.payload as { code?: string } | undefined)?.code;

for (const setup of STORE_SETUPS) {
  describe(`inbound validation on ${setup.name}`, () => {
    let h: Harness;
    let schema: string | undefined;
    beforeAll(async () => {
      const config = setup.config();
      schema = config.databaseSchema;
      h = await startHarness({ jwtSecret: SECRET, rateLimitMessages: 1000, ...config });
    });
    afterAll(async () => {
      await h.close();
      if (schema) await dropTestSchema(TEST_DATABASE_URL, schema);
    });

    for (const transport of ['socketio', 'ws'] as const) {
      it(`refuses NUL characters with VALIDATION_FAILED and the path, storing nothing (${transport})`, async () => {
        const user = `nul-${transport}`;
        const c = await h.client(user, transport);
        const cases: Array<[unknown, string]> = [
          ['{"type":"user_message","message_id":"n1","payload":{"content":"a\\u0000b"}}', 'payload.content'],
          [{ type: 'user_message', message_id: 'n2', thread_id: 'th\u0000x', payload: { content: 'x' } }, 'thread_id'],
          [{ type: 'user_message', message_id: 'n3\u0000', payload: { content: 'x' } }, 'message_id'],
          [{ type: 'cancel_run', message_id: 'n4', payload: { run_id: 'run_\u0000' } }, 'payload.run_id'],
          [
            { type: 'user_message', message_id: 'n5', payload: { content: 'x', agent: 'scripted', script: [{ respond: 'a\u0000' }] } },
            'payload.script.0.respond',
          ],
        ];
        for (const [raw, path] of cases) {
          const before = c.received.length;
          c.send(raw);
          const reply = await c.waitFor((e) => c.received.indexOf(e) >= before && e.type === 'error');
          expect(codeOf(reply)).toBe('VALIDATION_FAILED');
          expect((reply.payload as { details: { issues: Array<{ path: string }> } }).details.issues.map((i) => i.path)).toEqual([path]);
        }
        const token = await h.backend.mintToken(user);
        expect(await createRestClient(h.backend.url).listThreads(token)).toEqual([]);
        c.close();
      });
    }

    it("refuses a client-chosen thread id that does not exist exactly like another user's, and creates nothing", async () => {
      const owner = await h.client('thread-owner', 'ws');
      owner.send({ type: 'user_message', message_id: 'own-1', payload: { content: 'what is 1 + 1?' } });
      const ack = await owner.waitFor((e) => e.type === 'message_ack');
      const ownThread = (ack.payload as { thread_id: string }).thread_id;
      await owner.runEvents((ack.payload as { run_id: string }).run_id);

      const other = await h.client('thread-squatter', 'ws');
      const reply = async (threadId: string, id: string) => {
        other.send({ type: 'user_message', message_id: id, thread_id: threadId, payload: { content: 'hi' } });
        return other.waitFor((e) => e.message_id === id);
      };
      const foreign = await reply(ownThread, 'sq-1');
      const unknown = await reply(`thr_${'0'.repeat(32)}`, 'sq-2');
      const chosen = await reply('my-own-name', 'sq-3');
      for (const r of [foreign, unknown, chosen]) expect(codeOf(r)).toBe('NOT_FOUND');
      // Same words, only the id differs: nothing tells an existing thread from an unused one.
      const text = (r: { [key: string]: unknown }, id: string) => (r.payload as { message: string }).message.replace(id, '<id>');
      expect(text(foreign, ownThread)).toBe(text(unknown, `thr_${'0'.repeat(32)}`));
      const rest = createRestClient(h.backend.url);
      expect(await rest.listThreads(await h.backend.mintToken('thread-squatter'))).toEqual([]);
      // The owner may still continue the thread, and the name 'my-own-name' was not taken.
      owner.send({ type: 'user_message', message_id: 'own-2', thread_id: ownThread, payload: { content: 'and 2 + 2?' } });
      const ack2 = await owner.waitFor((e) => e.type === 'message_ack' && e.message_id === 'own-2');
      expect((ack2.payload as { thread_id: string }).thread_id).toBe(ownThread);
      owner.close();
      other.close();
    });

    it('pages /api/threads/:id/messages with limit and cursor', async () => {
      const c = await h.client('pager', 'ws');
      c.send({ type: 'user_message', message_id: 'p0', payload: { content: 'what is 0 + 0?' } });
      const first = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'p0');
      const threadId = (first.payload as { thread_id: string }).thread_id;
      for (let i = 1; i < 5; i++) {
        c.send({ type: 'user_message', message_id: `p${i}`, thread_id: threadId, payload: { content: `what is ${i} + ${i}?` } });
        await c.waitFor((e) => e.type === 'message_ack' && e.message_id === `p${i}`);
      }
      const token = await h.backend.mintToken('pager');
      const get = async (query: string) => {
        const res = await fetch(`${h.backend.url}/api/threads/${threadId}/messages${query}`, { headers: { authorization: `Bearer ${token}` } });
        return {
          status: res.status,
          body: (await res.json()) as { messages: Array<{ client_message_id: string }>; next_cursor: string | null; error?: { code: string } },
        };
      };
      const ids: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await get(`?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.status).toBe(200);
        ids.push(...page.body.messages.map((m) => m.client_message_id));
        cursor = page.body.next_cursor;
        pages++;
      } while (cursor);
      expect(ids).toEqual(['p0', 'p1', 'p2', 'p3', 'p4']);
      expect(pages).toBe(3);
      const all = await get('');
      expect(all.body.messages).toHaveLength(5);
      expect(all.body.next_cursor).toBeNull();
      for (const bad of ['?limit=0', '?limit=1001', '?limit=abc', '?cursor=']) {
        const r = await get(bad);
        expect({ bad, status: r.status, code: r.body.error?.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
      }
      c.close();
    });
  });
}

describe('HTTP edges', () => {
  let backend: RunningBackend;
  let logged: Logged;
  beforeAll(async () => {
    ({ backend, logged } = await startLogged());
  });
  afterAll(async () => {
    await backend.close();
  });

  /** A raw request, so the path reaches the server exactly as written. */
  const raw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: backend.port, path, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('answers malformed percent-escapes and unparseable URLs with 400 and a code, logging no error', async () => {
    const token = await backend.mintToken('pct');
    for (const path of ['/%E0%A4%A', '/api/threads/%ff/messages', '/api/runs/%E0%A4%A/events', '/%', '/api/scenarios/%ff']) {
      const res = await raw(path, { authorization: `Bearer ${token}`, host: '127.0.0.1' });
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect((JSON.parse(res.body) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    }
    // Scheme-relative request targets are paths on this server, not a crash.
    for (const path of ['//', '//[', '//a:99999/x']) expect((await raw(path)).status).toBeLessThan(500);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    // The server is still up.
    expect((await raw('/health')).status).toBe(200);
  });

  it('sends nosniff on every JSON response', async () => {
    for (const path of ['/health', '/api/threads', '/api/nothing']) {
      const res = await raw(path);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect({ path, nosniff: res.headers['x-content-type-options'] }).toEqual({ path, nosniff: 'nosniff' });
    }
  });

  it('keeps the dev routes to loopback Host names only', async () => {
    const post = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: backend.port, path: '/api/dev/token', method: 'POST', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{"user_id":"x"}');
      });
    expect(await post(`127.0.0.1:${backend.port}`)).toBe(200);
    expect(await post(`localhost:${backend.port}`)).toBe(200);
    expect(await post(`[::1]:${backend.port}`)).toBe(200);
    for (const host of ['127.example.com', `127.0.0.1.nip.io:${backend.port}`, 'localhost.evil.test', 'app.localhost']) {
      expect({ host, status: await post(host) }).toEqual({ host, status: 403 });
    }
  });
});

describe('binary frames on /ws', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ jwtSecret: SECRET, rateLimitMessages: 5, rateLimitWindowMs: 60_000 });
  });
  afterAll(async () => {
    await h.close();
  });

  it('go through the pipeline in order (after earlier replies) and are rate limited', async () => {
    const token = await h.backend.mintToken('binary');
    const { ws, frames } = await rawWs(h.backend.url, token);
    ws.send(JSON.stringify({ type: 'user_message', message_id: 'b1', payload: { content: 'what is 2 + 3?' } }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await until(() => frames.filter((f) => f.type === 'message_ack' || f.type === 'error').length >= 2, 10_000, 'two replies');
    const replies = frames.filter((f) => f.type === 'message_ack' || f.type === 'error');
    expect(replies[0]!.type).toBe('message_ack');
    expect(codeOf(replies[1]!)).toBe('INVALID_JSON');
    // 5 messages per window: 2 used; three more binary frames pass, the next ones are RATE_LIMITED.
    for (let i = 0; i < 5; i++) ws.send(Buffer.from('{"type":"ping"}'), { binary: true });
    await until(() => frames.filter((f) => f.type === 'error').length >= 6, 10_000, 'six errors');
    const codes = frames.filter((f) => f.type === 'error').map(codeOf);
    expect(codes).toEqual(['INVALID_JSON', 'INVALID_JSON', 'INVALID_JSON', 'INVALID_JSON', 'RATE_LIMITED', 'RATE_LIMITED']);
    ws.close();
  });
});

// The backlog builds up when handling a message waits on the network (Redis); with the
// in-process cache, handling keeps pace with reading.
describe.runIf(redisUp.available)('inbound backlog cap', () => {
  let backend: RunningBackend;
  beforeAll(async () => {
    ({ backend } = await startLogged({
      rateLimitMessages: 100_000,
      redisUrl: TEST_REDIS_URL,
      cacheKeyPrefix: `${uniqueTestName('edge-backlog')}:`,
      limits: { maxInboundBacklog: 20 },
    }));
  });
  afterAll(async () => {
    await backend.close();
  });

  it('closes a /ws connection whose inbound backlog passes the cap (RATE_LIMITED, close 4429), and the server stays healthy', async () => {
    const token = await backend.mintToken('flooder');
    const { ws, frames, closed } = await rawWs(backend.url, token);
    const frame = JSON.stringify({ type: 'ping', payload: { pad: 'x'.repeat(7000) } });
    for (let i = 0; i < 2000; i++) ws.send(frame);
    const close = await closed;
    expect(close).toEqual({ code: 4429, reason: 'RATE_LIMITED' });
    const refusal = frames.find((f) => f.type === 'error' && codeOf(f) === 'RATE_LIMITED');
    expect((refusal?.payload as { details: { reason: string } }).details.reason).toBe('backlog');
    expect(frames.filter((f) => f.type === 'pong').length).toBeLessThan(2000);
    expect((await backend.health()).status).toBe(200);
  });

  it('closes a Socket.IO connection whose inbound backlog passes the cap', async () => {
    const token = await backend.mintToken('flooder-sio');
    const socket = ioClient(backend.url, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
    const errors: string[] = [];
    socket.on('error', (e: { payload: { code: string } }) => errors.push(e.payload.code));
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('connect_error', reject));
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
    for (let i = 0; i < 2000; i++) socket.emit('message', { type: 'ping', payload: { pad: 'x'.repeat(7000) } });
    expect(await disconnected).toBe('io server disconnect');
    expect(errors).toContain('RATE_LIMITED');
  });
});

/** A /ws client on a raw socket that, once upgraded, never reads again. */
function stalledWsReader(port: number, token: string): Promise<{ socket: net.Socket; send(text: string): void; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('error', reject);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.write(
      `GET /ws?token=${token} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    socket.once('data', (head) => {
      if (!String(head).startsWith('HTTP/1.1 101')) return reject(new Error(String(head)));
      socket.pause();
      socket.on('error', () => undefined);
      const send = (text: string) => {
        if (socket.destroyed) return;
        const payload = Buffer.from(text);
        const mask = randomBytes(4);
        const header =
          payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length]) : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
        socket.write(Buffer.concat([header, mask, Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!))]));
      };
      resolve({ socket, send, closed });
    });
  });
}

describe('per-connection limits', () => {
  let backend: RunningBackend;
  beforeAll(async () => {
    ({ backend } = await startLogged({
      rateLimitMessages: 100_000,
      limits: { maxOutboundBufferBytes: 64 * 1024, maxHandshakesPerAddress: 3, handshakeTimeoutMs: 1500 },
      // An agent whose run emits 1,500 thoughts of 8 KB each (each under the 64 KiB cap).
      agents: [
        {
          name: 'firehose',
          description: 'large live events',
          historyTurns: 0,
          async run(ctx) {
            for (let i = 0; i < 1500; i++) await ctx.think(`${i} ${'x'.repeat(8_000)}`);
            return { response: 'done' };
          },
        },
      ],
    }));
  });
  afterAll(async () => {
    await backend.close();
  });

  it('drops a /ws reader that stopped reading once it is owed more than the cap; it can resume after reconnecting', async () => {
    const token = await backend.mintToken('slow-reader');
    // A connection that stops reading starts a run whose live events (about 12 MB) it is owed:
    // past the kernel's socket buffers, the server's own buffer for it grows beyond the cap and
    // it is dropped. (Replays cannot do it: a connection gets each seq of a run once, however
    // often it resumes.)
    const reader = await stalledWsReader(backend.port, token);
    let closed = false;
    void reader.closed.then(() => (closed = true));
    reader.send(JSON.stringify({ type: 'user_message', message_id: 'big', payload: { content: 'big', agent: 'firehose' } }));
    // A paused socket notices the server's close when it writes: a ping now and then.
    for (let i = 0; i < 600 && !closed; i++) {
      await new Promise((r) => setTimeout(r, 50));
      if (!closed) reader.send(JSON.stringify({ type: 'ping', message_id: `p${i}` }));
    }
    expect(closed).toBe(true);
    // It can come back and resume: the run went on without it.
    const again = await rawWs(backend.url, token);
    const runs = (await (await fetch(`${backend.url}/api/runs`, { headers: { authorization: `Bearer ${token}` } })).json()) as { runs: Array<{ id: string }> };
    const runId = runs.runs[0]!.id;
    again.ws.send(JSON.stringify({ type: 'resume', payload: { run_id: runId, after_seq: 1490 } }));
    await until(() => again.frames.some((f) => f.type === 'agent_completed' && f.run_id === runId), 30_000, 'the resumed events');
    again.ws.close();
  }, 70_000);

  it('caps handshakes in progress per address: unauthenticated Engine.IO sessions beyond it are refused, and time out', async () => {
    const open = async () => {
      const res = await fetch(`${backend.url}/socket.io/?EIO=4&transport=polling`);
      return { status: res.status, body: await res.text() };
    };
    const sessions = [await open(), await open(), await open()];
    for (const s of sessions) expect(s.status).toBe(200);
    const refused = await open();
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('TOO_MANY_CONNECTIONS');
    // /ws upgrades from the same address are refused too while those handshakes are pending.
    const token = await backend.mintToken('gate');
    await expect(rawWs(backend.url, token)).rejects.toThrow('HTTP 429');
    // The sessions never sent a Socket.IO connect: they are closed after the handshake timeout.
    await new Promise((r) => setTimeout(r, 2000));
    expect((await open()).status).toBe(200);
  });
});

describe('expired tokens on open connections', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ jwtSecret: SECRET });
  });
  afterAll(async () => {
    await h.close();
  });

  // A token that expired 29 s ago is still inside the 30 s clock tolerance: admitted, then
  // closed about a second later, when the tolerance runs out.
  it('closes a /ws connection with AUTH_EXPIRED (4401) when its token expires', async () => {
    const token = await h.backend.mintToken('expiring-ws', -29);
    const { frames, closed } = await rawWs(h.backend.url, token);
    expect(await closed).toEqual({ code: 4401, reason: 'AUTH_EXPIRED' });
    expect(frames.map(codeOf)).toContain('AUTH_EXPIRED');
  });

  it('disconnects a Socket.IO connection with an AUTH_EXPIRED error when its token expires', async () => {
    const token = await h.backend.mintToken('expiring-sio', -29);
    const socket = ioClient(h.backend.url, { path: '/socket.io', transports: ['websocket'], auth: { token }, reconnection: false });
    const errors: string[] = [];
    socket.on('error', (e: { payload: { code: string } }) => errors.push(e.payload.code));
    const reason = await new Promise<string>((resolve) => socket.once('disconnect', (r) => resolve(r)));
    expect(reason).toBe('io server disconnect');
    expect(errors).toEqual(['AUTH_EXPIRED']);
  });

  it('keeps a connection with a valid token open', async () => {
    const c: TestClient = await h.client('long-lived', 'ws');
    await new Promise((r) => setTimeout(r, 1500));
    c.send({ type: 'ping', message_id: 'still' });
    await c.waitFor((e) => e.type === 'pong' && e.message_id === 'still');
    c.close();
  });
});

describe.runIf(redisUp.available)('client-facing errors name no address', () => {
  it('/health and UNAVAILABLE errors during a cache outage carry no host:port', async () => {
    const target = new URL(TEST_REDIS_URL);
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((client) => {
      const upstream = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as AddressInfo).port;
    const { backend } = await startLogged({ redisUrl: `redis://127.0.0.1:${port}`, cacheKeyPrefix: `${uniqueTestName('edge')}:` });
    try {
      const c = await startHarnessClient(backend, 'outage');
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => proxy.close(() => r()));
      const res = await fetch(`${backend.url}/health`);
      const text = await res.text();
      expect(res.status).toBe(503);
      expect(text).not.toMatch(/127\.0\.0\.1|localhost|:\d{2,5}\b|\/tmp\//);
      c.ws.send(JSON.stringify({ type: 'ping', message_id: 'p' }));
      await until(() => c.frames.some((f) => f.type === 'error'), 15_000, 'an UNAVAILABLE error');
      const err = c.frames.find((f) => f.type === 'error')!;
      expect(codeOf(err)).toBe('UNAVAILABLE');
      expect(JSON.stringify(err)).not.toMatch(/127\.0\.0\.1|:\d{4,5}\b/);
      c.ws.close();
    } finally {
      await backend.close().catch(() => undefined);
    }
  }, 30_000);
});

async function startHarnessClient(backend: RunningBackend, user: string) {
  return rawWs(backend.url, await backend.mintToken(user));
}
