/**
 * The golden path and its edges against the real server on an ephemeral port, over both
 * transports: Socket.IO (socket.io-client) and plain WebSocket (ws).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignJWT } from 'jose';
import { connect, ConnectionRefusedError, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { GOLDEN_PATH_EVENTS, runEventSchema } from '../../protocol/index.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';
import { dropTestSchema, postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL, uniqueTestName } from '../support/test-services.ts';
import type { BackendConfig } from '../../backend/config/backend-config.ts';

const SECRET = 'test-secret-of-sufficient-length-0123456789';

function assertFiveEventFlow(events: Array<Record<string, unknown>>, userId: string) {
  const types = events.map((e) => e.type);
  expect(types[0]).toBe('agent_started');
  expect(types.at(-1)).toBe('agent_completed');
  for (const t of GOLDEN_PATH_EVENTS) expect(types).toContain(t);
  // agent_thinking+ then (tool_executing, tool_completed)+
  const firstTool = types.indexOf('tool_executing');
  expect(types.slice(1, firstTool).every((t) => t === 'agent_thinking')).toBe(true);
  const tools = types.slice(firstTool, -1);
  for (let i = 0; i < tools.length; i += 2) {
    expect(tools[i]).toBe('tool_executing');
    expect(tools[i + 1]).toBe('tool_completed');
  }
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  for (const e of events) {
    expect(e.user_id).toBe(userId);
    expect(runEventSchema.safeParse(e).success).toBe(true);
  }
}

const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();
const SETUPS: Array<{ name: string; store: string; cache: string; config: () => Partial<BackendConfig> }> = [
  { name: 'SQLite + in-process cache', store: 'sqlite', cache: 'memory', config: () => ({}) },
];
if (pgUp.available && redisUp.available) {
  SETUPS.push({
    name: 'PostgreSQL + Redis',
    store: 'postgres',
    cache: 'redis',
    config: () => ({
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: uniqueTestName('golden'),
      redisUrl: TEST_REDIS_URL,
      cacheKeyPrefix: `${uniqueTestName('golden')}:`,
    }),
  });
}

let h: Harness;
for (const setup of SETUPS)
  describe(setup.name, () => {
    let schema: string | undefined;
    beforeAll(async () => {
      const config = setup.config();
      schema = config.databaseSchema;
      h = await startHarness({ jwtSecret: SECRET, maxConnectionsPerUser: 3, rateLimitMessages: 1000, ...config });
    });
    afterAll(async () => {
      await h.close();
      if (schema) await dropTestSchema(TEST_DATABASE_URL, schema);
    });

    for (const transport of ['socketio', 'ws'] as const) {
      describe(`golden path over ${transport}`, () => {
        it('runs a message through all five events, persisted and readable over REST', async () => {
          const user = `alice-${transport}`;
          const c = await h.client(user, transport);
          c.send({ type: 'user_message', message_id: `m1-${transport}`, payload: { content: 'what is 2 + 2 * 3?' } });
          const ack = await c.waitFor((e) => e.type === 'message_ack');
          const ackPayload = ack.payload as { run_id: string; thread_id: string; duplicate: boolean; message_id: string };
          expect(ackPayload.duplicate).toBe(false);
          expect(ackPayload.message_id).toBe(`m1-${transport}`);
          const events = await c.runEvents(ackPayload.run_id);
          assertFiveEventFlow(events, user);
          const completed = events.at(-1)!.payload as { status: string; response: string };
          expect(completed.status).toBe('succeeded');
          expect(completed.response).toContain('8');

          const rest = createRestClient(h.backend.url);
          const token = await h.backend.mintToken(user);
          const stored = await rest.getRunEvents(token, ackPayload.run_id);
          expect(stored).toEqual(events);
          const threads = await rest.listThreads(token);
          expect(threads.map((t) => t.id)).toContain(ackPayload.thread_id);
          const messages = await rest.listMessages(token, ackPayload.thread_id);
          expect(messages[0]).toMatchObject({ content: 'what is 2 + 2 * 3?', run_id: ackPayload.run_id, run_status: 'succeeded' });
          // another user's run is a 404
          const other = await h.backend.mintToken('mallory');
          await expect(rest.getRunEvents(other, ackPayload.run_id)).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
          c.close();
        });

        it('answers every bad input with its code and keeps the connection usable', async () => {
          const c = await h.client(`bob-${transport}`, transport);
          const cases: Array<[unknown, string]> = [
            ['{"type": "user_message", "payload": {', 'INVALID_JSON'],
            ['{"__proto__": {"polluted": true}, "type": "ping"}', 'PONG'],
            [JSON.stringify({ type: 'user_message' }), 'VALIDATION_FAILED'],
            [JSON.stringify({ type: 'user_message', payload: { content: 42 } }), 'VALIDATION_FAILED'],
            [JSON.stringify({ type: 'user_message', payload: null }), 'VALIDATION_FAILED'],
            [JSON.stringify({ type: null }), 'VALIDATION_FAILED'],
            ['[1,2,3]', 'VALIDATION_FAILED'],
            ['123', 'VALIDATION_FAILED'],
            ['null', 'VALIDATION_FAILED'],
            [JSON.stringify({ type: 'launch_missiles', payload: {} }), 'UNKNOWN_TYPE'],
            [JSON.stringify({ type: 'user_message', user_id: 'someone-else', payload: { content: 'hi' } }), 'FORBIDDEN'],
            [JSON.stringify({ type: 'cancel_run', payload: { run_id: 'run_nope' } }), 'NOT_FOUND'],
            [JSON.stringify({ type: 'resume', payload: { run_id: 'run_nope', after_seq: 0 } }), 'NOT_FOUND'],
            [JSON.stringify({ type: 'user_message', payload: { content: 'x', agent: 'nobody' } }), 'VALIDATION_FAILED'],
            ['['.repeat(500) + ']'.repeat(500), 'INVALID_JSON'],
            ['{"type":"resume","payload":{"run_id":"r","after_seq":1e999}}', 'INVALID_JSON'],
          ];
          for (const [raw, code] of cases) {
            const before = c.received.length;
            c.send(raw);
            const reply = await c.waitFor((e) => c.received.indexOf(e) >= before && (e.type === 'error' || e.type === 'pong'));
            if (code === 'PONG') expect(reply.type).toBe('pong');
            else expect({ raw, code: (reply.payload as { code: string }).code }).toEqual({ raw, code });
            expect(JSON.stringify(reply)).not.toMatch(/at .*\.ts:\d+/); // no stack traces
          }
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
          // validation failures name the failing path
          c.send(JSON.stringify({ type: 'user_message', message_id: 'bad-1', payload: { content: 42 } }));
          const v = await c.waitFor((e) => e.type === 'error' && e.message_id === 'bad-1');
          expect((v.payload as { details: { issues: Array<{ path: string }> } }).details.issues[0]!.path).toBe('payload.content');
          // still usable
          c.send({ type: 'user_message', payload: { content: 'still alive?' } });
          const ack = await c.waitFor((e) => e.type === 'message_ack');
          await c.runEvents((ack.payload as { run_id: string }).run_id);
          c.close();
        });

        it('refuses 8193 bytes and accepts 8192, counting multi-byte characters', async () => {
          const c = await h.client(`carol-${transport}`, transport);
          const frame = (content: string) => JSON.stringify({ type: 'user_message', payload: { content } });
          const overhead = Buffer.byteLength(frame(''));
          const fits = 'é'.repeat(((8192 - overhead) / 2) | 0) + 'a'.repeat((8192 - overhead) % 2);
          expect(Buffer.byteLength(frame(fits))).toBe(8192);
          c.send(frame(fits));
          const ack = await c.waitFor((e) => e.type === 'message_ack');
          expect(ack.type).toBe('message_ack');
          const tooBig = fits + 'a';
          expect(Buffer.byteLength(frame(tooBig))).toBe(8193);
          c.send(frame(tooBig));
          const err = await c.waitFor((e) => e.type === 'error');
          expect(err.payload).toMatchObject({ code: 'MESSAGE_TOO_LARGE', details: { bytes: 8193, limit: 8192 } });
          c.send({ type: 'ping' });
          await c.waitFor((e) => e.type === 'pong');
          c.close();
        });
      });
    }

    describe('legacy shapes', () => {
      it('normalizes aliases, data, bare strings and content-only objects', async () => {
        const c = await h.client('legacy-user');
        const shapes: unknown[] = [
          JSON.stringify('a bare string'),
          { type: 'CHAT', data: { content: 'chat alias' } },
          { type: 'User-Message', payload: { content: 'dashes and case' } },
          { content: 'no type at all' },
          { message: 'message field' },
          { type: 'user_msg', data: { message: 'legacy payload.message' } },
        ];
        for (const shape of shapes) c.send(shape);
        await new Promise((r) => setTimeout(r, 200));
        const deadline = Date.now() + 10_000;
        while (c.received.filter((e) => e.type === 'message_ack').length < shapes.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(c.received.filter((e) => e.type === 'error')).toEqual([]);
        expect(c.received.filter((e) => e.type === 'message_ack')).toHaveLength(shapes.length);
        c.close();
      });
    });

    describe('authentication', () => {
      const tryConnect = async (token: string, transport: 'socketio' | 'ws') => {
        const conn = connect({ url: h.backend.url, token, transport, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
        try {
          await conn.ready;
          conn.close();
          return { ok: true as const };
        } catch (err) {
          expect(err).toBeInstanceOf(ConnectionRefusedError);
          return { ok: false as const, code: (err as ConnectionRefusedError).code, closeCode: (err as ConnectionRefusedError).closeCode };
        }
      };
      const key = new TextEncoder().encode(SECRET);
      const now = () => Math.floor(Date.now() / 1000);

      for (const transport of ['socketio', 'ws'] as const) {
        it(`refuses each bad token with its code over ${transport}`, async () => {
          expect(await tryConnect('', transport)).toMatchObject({ ok: false, code: 'AUTH_REQUIRED' });
          expect(await tryConnect('not-a-jwt', transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          const expired = await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('u1')
            .setExpirationTime(now() - 120)
            .sign(key);
          expect(await tryConnect(expired, transport)).toMatchObject({ ok: false, code: 'AUTH_EXPIRED' });
          const skewed = await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('u1')
            .setExpirationTime(now() - 10)
            .sign(key);
          expect(await tryConnect(skewed, transport)).toMatchObject({ ok: true });
          const wrongKey = await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('u1')
            .setExpirationTime(now() + 60)
            .sign(new TextEncoder().encode('another-secret-another-secret-0000'));
          expect(await tryConnect(wrongKey, transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          const hs512 = await new SignJWT({})
            .setProtectedHeader({ alg: 'HS512' })
            .setSubject('u1')
            .setExpirationTime(now() + 60)
            .sign(key);
          expect(await tryConnect(hs512, transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
          const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'u1', exp: now() + 60 })}.`;
          expect(await tryConnect(none, transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          const noExp = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u1').sign(key);
          expect(await tryConnect(noExp, transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          const badSub = await new SignJWT({})
            .setProtectedHeader({ alg: 'HS256' })
            .setSubject('has space')
            .setExpirationTime(now() + 60)
            .sign(key);
          expect(await tryConnect(badSub, transport)).toMatchObject({ ok: false, code: 'AUTH_INVALID' });
          if (transport === 'ws') expect(await tryConnect('not-a-jwt', transport)).toMatchObject({ closeCode: 4401 });
        });
      }

      it('limits connections per user (TOO_MANY_CONNECTIONS, ws close 4403)', async () => {
        const token = await h.backend.mintToken('crowded');
        const opened = [];
        for (let i = 0; i < 3; i++) {
          const conn = connect({ url: h.backend.url, token });
          await conn.ready;
          opened.push(conn);
        }
        expect(await tryConnect(token, 'socketio')).toMatchObject({ ok: false, code: 'TOO_MANY_CONNECTIONS' });
        expect(await tryConnect(token, 'ws')).toMatchObject({ ok: false, code: 'TOO_MANY_CONNECTIONS', closeCode: 4403 });
        opened[0]!.close();
        await new Promise((r) => setTimeout(r, 100));
        expect(await tryConnect(token, 'ws')).toMatchObject({ ok: true });
        for (const c of opened) c.close();
      });

      it('refuses browser origins that are not allowed', async () => {
        const res = await fetch(`${h.backend.url}/api/threads`, { headers: { origin: 'https://evil.example' } });
        expect(res.status).toBe(403);
        const own = await fetch(`${h.backend.url}/health`, { headers: { origin: h.backend.url } });
        expect(own.headers.get('access-control-allow-origin')).toBe(h.backend.url);
      });

      it('REST needs a valid bearer token', async () => {
        const res = await fetch(`${h.backend.url}/api/threads`);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: { code: 'AUTH_REQUIRED' } });
      });
    });

    describe('concurrency and isolation', () => {
      it('20+ users at once each get exactly their own events', async () => {
        const users = Array.from({ length: 24 }, (_, i) => `user-${i}`);
        const clients = await Promise.all(users.map((u, i) => h.client(u, i % 2 ? 'ws' : 'socketio')));
        clients.forEach((c, i) => c.send({ type: 'user_message', payload: { content: `what is ${i} + ${i}?` } }));
        const acks = await Promise.all(clients.map((c) => c.waitFor((e) => e.type === 'message_ack')));
        const runIds = acks.map((a) => (a.payload as { run_id: string }).run_id);
        await Promise.all(clients.map((c, i) => c.runEvents(runIds[i]!, 20_000)));
        clients.forEach((c, i) => {
          const foreign = c.received.filter((e) => e.user_id !== undefined && e.user_id !== users[i]);
          expect(foreign).toEqual([]);
          const runEvents = c.received.filter((e) => e.run_id === runIds[i] && e.type !== 'message_ack');
          assertFiveEventFlow(runEvents, users[i]!);
          expect((runEvents.at(-1)!.payload as { response: string }).response).toContain(String(i + i));
        });
        for (const c of clients) c.close();
      });

      it('delivers to every connection of the user, on both transports', async () => {
        const a = await h.client('multi', 'socketio');
        const b = await h.client('multi', 'ws');
        a.send({ type: 'user_message', payload: { content: 'hello twice' } });
        const ack = await a.waitFor((e) => e.type === 'message_ack');
        const runId = (ack.payload as { run_id: string }).run_id;
        const [ea, eb] = await Promise.all([a.runEvents(runId), b.runEvents(runId)]);
        expect(eb).toEqual(ea);
        expect(b.received.some((e) => e.type === 'message_ack')).toBe(false); // the ack answers the sender only
        a.close();
        b.close();
      });
    });

    describe('queue', () => {
      const script = (ms: number) => [{ think: 'hold' }, { tool: 'wait', args: {}, result: { ok: true }, delay_ms: ms }, { respond: 'done' }];

      it('runs a user’s runs one at a time: priority order, FIFO within a priority; users do not block each other', async () => {
        const c = await h.client('queue-user');
        const other = await h.client('queue-other');
        // a slow first run keeps the queue occupied while the rest arrive
        c.send({ type: 'user_message', message_id: 'first', payload: { content: 'first', agent: 'scripted', script: script(400) } });
        await c.waitFor((e) => e.type === 'agent_started');
        const order = [
          ['low-1', 'low'],
          ['normal-1', 'normal'],
          ['high-1', 'high'],
          ['low-2', 'low'],
          ['high-2', 'high'],
          ['normal-2', 'normal'],
        ] as const;
        for (const [id, priority] of order) {
          c.send({ type: 'user_message', message_id: id, priority, payload: { content: id, agent: 'scripted', script: script(5) } });
        }
        other.send({ type: 'user_message', payload: { content: 'not blocked', agent: 'scripted', script: script(5) } });
        const otherAck = await other.waitFor((e) => e.type === 'message_ack');
        const otherDone = await other.waitFor((e) => e.type === 'agent_completed' && e.run_id === (otherAck.payload as { run_id: string }).run_id);
        const firstDone = c.received.find((e) => e.type === 'agent_completed');
        expect(firstDone).toBeUndefined(); // the other user finished while the first run still ran
        expect(otherDone).toBeTruthy();
        const acks = await Promise.all(order.map(([id]) => c.waitFor((e) => e.type === 'message_ack' && e.message_id === id)));
        const runToMsg = new Map(acks.map((a) => [(a.payload as { run_id: string }).run_id, a.message_id]));
        await Promise.all(acks.map((a) => c.runEvents((a.payload as { run_id: string }).run_id)));
        const startedOrder = c.received
          .filter((e) => e.type === 'agent_started' && runToMsg.has(e.run_id as string))
          .map((e) => runToMsg.get(e.run_id as string));
        expect(startedOrder).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
        // one at a time: each run completes before the next starts
        const seqOfTypes = c.received.filter((e) => e.type === 'agent_started' || e.type === 'agent_completed').map((e) => e.type);
        for (let i = 0; i < seqOfTypes.length; i += 2) expect(seqOfTypes.slice(i, i + 2)).toEqual(['agent_started', 'agent_completed']);
        c.close();
        other.close();
      });

      it('de-duplicates by message_id', async () => {
        const c = await h.client('dedupe-user');
        c.send({ type: 'user_message', message_id: 'same', payload: { content: 'once' } });
        const first = await c.waitFor((e) => e.type === 'message_ack');
        await c.runEvents((first.payload as { run_id: string }).run_id);
        c.send({ type: 'user_message', message_id: 'same', payload: { content: 'once' } });
        const second = await c.waitFor((e) => e.type === 'message_ack' && (e.payload as { duplicate: boolean }).duplicate);
        expect((second.payload as { run_id: string }).run_id).toBe((first.payload as { run_id: string }).run_id);
        await new Promise((r) => setTimeout(r, 200));
        expect(c.received.filter((e) => e.type === 'agent_started')).toHaveLength(1);
        c.close();
      });

      it('cancels a queued run and a running run, each ending with one agent_completed', async () => {
        const c = await h.client('cancel-user');
        c.send({ type: 'user_message', message_id: 'long', payload: { content: 'long', agent: 'scripted', script: script(5000) } });
        c.send({ type: 'user_message', message_id: 'queued', payload: { content: 'queued', agent: 'scripted', script: script(5) } });
        const longAck = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'long');
        const queuedAck = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === 'queued');
        await c.waitFor((e) => e.type === 'tool_executing');
        const queuedRun = (queuedAck.payload as { run_id: string }).run_id;
        const longRun = (longAck.payload as { run_id: string }).run_id;
        c.send({ type: 'cancel_run', payload: { run_id: queuedRun } });
        const qDone = await c.waitFor((e) => e.type === 'agent_completed' && e.run_id === queuedRun);
        expect(qDone.payload).toMatchObject({ status: 'cancelled' });
        c.send({ type: 'cancel_run', payload: { run_id: longRun } });
        const lDone = await c.waitFor((e) => e.type === 'agent_completed' && e.run_id === longRun, 3000);
        expect(lDone.payload).toMatchObject({ status: 'cancelled' });
        c.close();
      });

      it('resume after a disconnect replays what was missed', async () => {
        const c = await h.client('resume-user', 'ws');
        c.send({
          type: 'user_message',
          payload: { content: 'resume me', agent: 'scripted', script: [{ think: 'a' }, { tool: 't', args: {}, result: 1, delay_ms: 300 }, { respond: 'r' }] },
        });
        const ack = await c.waitFor((e) => e.type === 'message_ack');
        const runId = (ack.payload as { run_id: string }).run_id;
        const started = await c.waitFor((e) => e.type === 'agent_started');
        c.connection.drop();
        await new Promise((r) => setTimeout(r, 600)); // the run finishes while disconnected
        const again = await h.client('resume-user', 'ws');
        again.send({ type: 'resume', payload: { run_id: runId, after_seq: started.seq } });
        const done = await again.waitFor((e) => e.type === 'agent_completed' && e.run_id === runId);
        const replayed = again.received.filter((e) => e.run_id === runId);
        expect(replayed.map((e) => e.seq)).toEqual(Array.from({ length: (done.seq as number) - 1 }, (_, i) => i + 2));
        again.close();
      });
    });

    describe('health', () => {
      it('reports store, cache, queue depth and connections', async () => {
        const res = await fetch(`${h.backend.url}/health`);
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({
          status: 'ok',
          store: setup.store,
          cache: setup.cache,
          queue_depth: expect.any(Number),
          connections: expect.any(Number),
        });
      });
    });
  });
