/**
 * Batched delivery (docs/protocol.md, "Batched delivery"): a connection that asks for it
 * (`/ws?batch=1`, Socket.IO `auth.batch`) gets every envelope inside an array, a turn's worth
 * in one frame; what it gets, flattened, is what a connection without the option gets, in the
 * same order. A bad value is refused and leaves no connection counted. The client reads batches
 * as single envelopes, and with `batch` asked of a server that does not know the option (one
 * frame per envelope) reads those the same.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioClient } from 'socket.io-client';
import { Server } from 'socket.io';
import WebSocket, { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type ReceivedEnvelope, type TransportKind, type WebSocketConstructor } from '../../client/index.ts';
import { startTestBackend, type TestBackend } from '../support/test-backend.ts';
import { wrapConnection } from '../support/backend-harness.ts';

let test: TestBackend;
beforeAll(async () => {
  test = await startTestBackend({ maxConnectionsPerUser: 2 });
});
afterAll(async () => {
  await test?.close();
});

type Envelope = ReceivedEnvelope & { run_id?: string; seq?: number };

/** A raw /ws connection: each frame as parsed, and the envelopes in them (flattened). */
async function rawWs(userId: string, query: string) {
  const token = await test.backend.mintToken(userId);
  const ws = new WebSocket(`${test.backend.url.replace('http', 'ws')}/ws?token=${token}${query}`);
  const frames: unknown[] = [];
  ws.on('message', (data: Buffer) => frames.push(JSON.parse(data.toString('utf8'))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    ws.once('open', () => resolve());
    ws.once('close', () => resolve());
  });
  const envelopes = () => frames.flatMap((f) => (Array.isArray(f) ? (f as Envelope[]) : [f as Envelope]));
  return { ws, frames, envelopes, closed };
}

/** A raw Socket.IO connection: each event as (name, argument), and the envelopes in them. */
async function rawSocketIo(userId: string, auth: Record<string, unknown>) {
  const token = await test.backend.mintToken(userId);
  const socket = ioClient(test.backend.url, { path: '/socket.io', transports: ['websocket'], auth: { token, ...auth }, forceNew: true, reconnection: false });
  const events: Array<[string, unknown]> = [];
  socket.onAny((name: string, arg: unknown) => events.push([name, arg]));
  const refused = new Promise<{ code?: string; message?: string } | undefined>((resolve) => {
    socket.on('connect', () => resolve(undefined));
    socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => resolve(err.data));
  });
  const envelopes = () => events.flatMap(([name, arg]) => (name === 'batch' ? (arg as Envelope[]) : [{ type: name, ...(arg as object) } as Envelope]));
  return { socket, events, envelopes, refused: await refused };
}

const until = async (check: () => boolean, what: string) => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};
const ofRun = (envelopes: Envelope[], runId: string) => envelopes.filter((e) => e.run_id === runId && e.type !== 'message_ack');
const completed = (envelopes: Envelope[], runId: string) => envelopes.some((e) => e.type === 'agent_completed' && e.run_id === runId);

describe('batched delivery on /ws', () => {
  it('sends every envelope inside an array, the same envelopes in the same order as one frame each', async () => {
    const batched = await rawWs('batch-ws', '&batch=1');
    const single = await rawWs('batch-ws', '');
    batched.ws.send(JSON.stringify({ type: 'user_message', message_id: 'bw1', payload: { content: 'what is 6 * 7' } }));
    await until(() => batched.envelopes().some((e) => e.type === 'message_ack'), 'the ack');
    const runId = (batched.envelopes().find((e) => e.type === 'message_ack')?.payload as { run_id: string }).run_id;
    await until(() => completed(batched.envelopes(), runId) && completed(single.envelopes(), runId), 'the run on both connections');

    expect(batched.frames.every((f) => Array.isArray(f) && f.length > 0)).toBe(true);
    expect(single.frames.every((f) => !Array.isArray(f))).toBe(true);
    const run = ofRun(batched.envelopes(), runId);
    expect(run).toEqual(ofRun(single.envelopes(), runId));
    expect(run.map((e) => e.seq)).toEqual(run.map((_, i) => i + 1));
    expect(run.at(-1)?.type).toBe('agent_completed');

    // A resume replays the run in one turn: one frame holds all of it.
    batched.ws.send(JSON.stringify({ type: 'resume', payload: { run_id: runId, after_seq: 0 } }));
    await until(() => batched.frames.some((f) => Array.isArray(f) && f.length === run.length), 'the replay in one frame');
    expect(batched.frames.find((f) => Array.isArray(f) && f.length === run.length)).toEqual(run);
    batched.ws.close();
    single.ws.close();
  });

  it('batches AG-UI frames too (events=ag-ui)', async () => {
    const conn = await rawWs('batch-agui', '&events=ag-ui&batch=1');
    conn.ws.send(JSON.stringify({ type: 'user_message', message_id: 'ba1', payload: { content: 'hello' } }));
    await until(
      () =>
        conn.envelopes().some((f) => f.type === 'ag_ui' && ((f as { events?: Array<{ type: string }> }).events ?? []).some((e) => e.type === 'RUN_FINISHED')),
      'RUN_FINISHED',
    );
    expect(conn.frames.every((f) => Array.isArray(f))).toBe(true);
    const seqs = conn
      .envelopes()
      .filter((f) => f.type === 'ag_ui')
      .map((f) => f.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    conn.ws.close();
  });

  it('refuses a bad value with VALIDATION_FAILED and close 1008 (before the token is checked), and counts no connection for it', async () => {
    const badTokenToo = new WebSocket(`${test.backend.url.replace('http', 'ws')}/ws?token=nope&batch=TRUE`);
    const first = new Promise<unknown>((resolve) => badTokenToo.once('message', (data: Buffer) => resolve(JSON.parse(data.toString('utf8')))));
    expect(await new Promise<number>((resolve) => badTokenToo.on('close', (code) => resolve(code)))).toBe(1008);
    expect(await first).toMatchObject({ type: 'error', payload: { code: 'VALIDATION_FAILED', message: 'batch: 1, true, 0 or false (got "TRUE").' } });
    for (let i = 0; i < 3; i++) {
      const bad = await rawWs('batch-bad-ws', '&batch=yes');
      expect(await bad.closed).toBe(1008);
      expect(bad.frames).toEqual([
        expect.objectContaining({
          type: 'error',
          payload: expect.objectContaining({ code: 'VALIDATION_FAILED', message: 'batch: 1, true, 0 or false (got "yes").' }),
        }),
      ]);
    }
    // maxConnectionsPerUser is 2: the three refused ones hold no place
    const a = await rawWs('batch-bad-ws', '&batch=1');
    const b = await rawWs('batch-bad-ws', '&batch=0');
    a.ws.send(JSON.stringify({ type: 'ping', message_id: 'p' }));
    b.ws.send(JSON.stringify({ type: 'ping', message_id: 'p' }));
    await until(() => a.envelopes().some((e) => e.type === 'pong') && b.envelopes().some((e) => e.type === 'pong'), 'both pongs');
    expect(a.frames[0]).toEqual([expect.objectContaining({ type: 'pong' })]);
    expect(b.frames[0]).toEqual(expect.objectContaining({ type: 'pong' }));
    a.ws.close();
    b.ws.close();
  });
});

describe('batched delivery on Socket.IO', () => {
  it('emits every envelope inside a batch event, the same envelopes in the same order as one event each', async () => {
    const batched = await rawSocketIo('batch-sio', { batch: true });
    const single = await rawSocketIo('batch-sio', { batch: false });
    expect(batched.refused).toBeUndefined();
    batched.socket.emit('message', { type: 'user_message', message_id: 'bs1', payload: { content: 'what time is it' } });
    await until(() => batched.envelopes().some((e) => e.type === 'message_ack'), 'the ack');
    const runId = (batched.envelopes().find((e) => e.type === 'message_ack')?.payload as { run_id: string }).run_id;
    await until(() => completed(batched.envelopes(), runId) && completed(single.envelopes(), runId), 'the run on both connections');

    expect(batched.events.every(([name, arg]) => name === 'batch' && Array.isArray(arg) && arg.length > 0)).toBe(true);
    expect(single.events.some(([name]) => name === 'batch')).toBe(false);
    const run = ofRun(batched.envelopes(), runId);
    expect(run).toEqual(ofRun(single.envelopes(), runId));
    expect(run.map((e) => e.seq)).toEqual(run.map((_, i) => i + 1));

    batched.socket.emit('message', { type: 'resume', payload: { run_id: runId, after_seq: 0 } });
    await until(() => batched.events.some(([, arg]) => Array.isArray(arg) && arg.length === run.length), 'the replay in one event');
    batched.socket.close();
    single.socket.close();
  });

  it('refuses a bad auth.batch with a VALIDATION_FAILED connect_error, and counts no connection for it', async () => {
    for (let i = 0; i < 3; i++) {
      const bad = await rawSocketIo('batch-bad-sio', { batch: 'yes' });
      expect(bad.refused).toEqual({ code: 'VALIDATION_FAILED', message: 'auth.batch: true or false (got "yes").' });
      bad.socket.close();
    }
    const badTokenToo = ioClient(test.backend.url, {
      path: '/socket.io',
      transports: ['websocket'],
      auth: { token: 'nope', batch: null },
      forceNew: true,
      reconnection: false,
    });
    const data = await new Promise((resolve) => badTokenToo.on('connect_error', (err: Error & { data?: unknown }) => resolve(err.data)));
    expect(data).toEqual({ code: 'VALIDATION_FAILED', message: 'auth.batch: true or false (got null).' });
    badTokenToo.close();
    const a = await rawSocketIo('batch-bad-sio', { batch: true });
    const b = await rawSocketIo('batch-bad-sio', {});
    expect([a.refused, b.refused]).toEqual([undefined, undefined]);
    a.socket.close();
    b.socket.close();
  });
});

describe.each(['socketio', 'ws'] as const)('the client with batch (%s)', (transport: TransportKind) => {
  it('gives listeners one envelope at a time, as a client without it gets them, raw text included', async () => {
    const token = await test.backend.mintToken(`batch-client-${transport}`);
    const open = (batch: boolean) => connect({ url: test.backend.url, token, transport, batch, WebSocketImpl: WebSocket as unknown as WebSocketConstructor });
    const batched = open(true);
    const single = open(false);
    await Promise.all([batched.ready, single.ready]);
    const raws: Array<[ReceivedEnvelope, string]> = [];
    batched.onEnvelope((e, raw) => raws.push([e, raw]));
    const b = wrapConnection(batched);
    const s = wrapConnection(single);
    b.send({ type: 'user_message', message_id: `bc-${transport}`, payload: { content: 'what is 2 + 2' } });
    const ack = await b.waitFor((e) => e.type === 'message_ack');
    const runId = (ack.payload as { run_id: string }).run_id;
    const [batchedRun, singleRun] = await Promise.all([b.runEvents(runId), s.runEvents(runId)]);
    expect(batchedRun.length).toBeGreaterThanOrEqual(5);
    expect(batchedRun).toEqual(singleRun);
    for (const [envelope, raw] of raws) expect(JSON.parse(raw)).toEqual(envelope);
    batched.close();
    single.close();
  });
});

describe('the client with batch, against a server without the extension', () => {
  it('reads one frame per envelope the same (/ws)', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => {
      ws.on('message', (data: Buffer) => {
        const ping = JSON.parse(data.toString('utf8')) as { message_id: string };
        ws.send(JSON.stringify({ type: 'pong', message_id: ping.message_id }));
        ws.send(JSON.stringify({ type: 'agent_started', run_id: 'r1', seq: 1, payload: { agent: 'a', input: 'x' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const conn = connect({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        token: 't',
        transport: 'ws',
        batch: true,
        WebSocketImpl: WebSocket as unknown as WebSocketConstructor,
      });
      const started = await wrapConnection(conn).waitFor((e) => e.type === 'agent_started');
      expect(started).toEqual({ type: 'agent_started', run_id: 'r1', seq: 1, payload: { agent: 'a', input: 'x' } });
      conn.close();
    } finally {
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads one event per envelope the same (Socket.IO)', async () => {
    const server = http.createServer();
    const io = new Server(server, { path: '/socket.io' });
    io.on('connection', (socket) => socket.emit('agent_started', { run_id: 'r2', seq: 1, payload: { agent: 'a', input: 'y' } }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const conn = connect({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token: 't', transport: 'socketio', batch: true });
      const started = wrapConnection(conn).waitFor((e) => e.type === 'agent_started');
      await conn.ready;
      expect(await started).toEqual({ type: 'agent_started', run_id: 'r2', seq: 1, payload: { agent: 'a', input: 'y' } });
      conn.close();
    } finally {
      await io.close();
    }
  });
});
