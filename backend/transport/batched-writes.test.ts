/**
 * Delivery through the real transports on a real HTTP server (Socket.IO at /socket.io, `ws` at
 * /ws), counting the server's writes on each TCP socket: a connection's envelopes of one turn
 * of the event loop leave in one write, in order, decoded by the clients unchanged; Socket.IO
 * over polling still delivers; what is queued counts against the slow-reader cap; a close
 * (by the transport or by the server shutting down) comes after what was queued; a socket gone
 * while envelopes were queued is written nothing. Each envelope is encoded once.
 */
import http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Encoder, PacketType } from 'socket.io-parser';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode, WsCloseCode, type ServerEnvelope } from '../../protocol/index.ts';
import { TokenService } from '../auth/token-service.ts';
import { createCache } from '../cache/cache-factory.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { ConnectionRegistry } from '../delivery/connection-registry.ts';
import type { InboundPipeline } from '../reception/inbound-pipeline.ts';
import { errorEnvelope } from '../routing/error-envelope.ts';
import { ConnectionGate } from './connection-gate.ts';
import { attachSocketIo, socketIoPacket, type FlowscopeIoServer } from './socketio-transport.ts';
import { wsFrameEncoder, type WsFrameEncoder } from '../agents/ag-ui/ag-ui-ws-frames.ts';
import { attachWebSocket, encodeOnce } from './ws-transport.ts';
import type { WebSocketServer } from 'ws';

const SECRET = 'batched-writes-secret-of-sufficient-length-0123';

interface Harness {
  url: string;
  registry: ConnectionRegistry;
  tokens: TokenService;
  io: FlowscopeIoServer;
  wss: WebSocketServer;
  /** Server-side TCP sockets, in accept order, with their write count. */
  sockets: Array<{ socket: net.Socket; writes: number }>;
  dropped: string[];
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(maxOutboundBufferBytes = 8 * 1024 * 1024): Promise<Harness> {
  const server = http.createServer();
  const sockets: Harness['sockets'] = [];
  server.on('connection', (socket: net.Socket) => {
    const entry = { socket, writes: 0 };
    sockets.push(entry);
    // Every write that reaches the socket's handle: one `_write` or one `_writev` (several chunks).
    const write = socket._write.bind(socket);
    const writev = socket._writev?.bind(socket);
    socket._write = (chunk, encoding, cb) => {
      entry.writes += 1;
      write(chunk, encoding, cb);
    };
    if (writev) {
      socket._writev = (chunks, cb) => {
        entry.writes += 1;
        writev(chunks, cb);
      };
    }
  });
  const cache = await createCache({ warn: () => undefined });
  const registry = new ConnectionRegistry();
  const tokens = new TokenService(SECRET);
  const dropped: string[] = [];
  // The pipeline's part here: a message "flood" finds its backlog full (as the real one refuses past
  // its cap) right after a reply to an earlier message was sent in the same turn.
  const pipeline = {
    receive: (connection: ClientConnection, raw: unknown) => {
      if (raw !== 'flood') return Promise.resolve();
      connection.send(runEnvelopes(connection.userId, 'run_1')[0]!);
      return null;
    },
    drop: () => undefined,
  } as unknown as InboundPipeline;
  const deps = {
    tokens,
    cache,
    registry,
    pipeline,
    maxConnectionsPerUser: 10,
    gate: new ConnectionGate({ maxConnections: 100, maxConnectionsPerAddress: 100, maxHandshakes: 100, maxHandshakesPerAddress: 100 }),
    limits: { handshakeTimeoutMs: 5000, maxOutboundBufferBytes },
    originAllowed: () => true,
    onClose: (c: ClientConnection) => void cache.removeConnection(c.userId, c.id).catch(() => undefined),
    log: (_level: string, message: string) => {
      if (message.startsWith('connection dropped')) dropped.push(message);
    },
  };
  const io = attachSocketIo(server, deps);
  const wss = attachWebSocket(server, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const client of wss.clients) client.terminate();
    await io.close().catch(() => undefined);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await cache.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, registry, tokens, io, wss, sockets, dropped };
}

/** The registry's connection of a user, once admitted. */
async function connectionOf(h: Harness, userId: string, transport: ClientConnection['transport']): Promise<ClientConnection> {
  for (let i = 0; i < 200; i++) {
    const found = [...h.registry.forUser(userId)].find((c) => c.transport === transport);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no ${transport} connection of ${userId}`);
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** What a message produces for its user: the ack, then its run's `count` events (seq 1..count). */
function runEnvelopes(userId: string, runId: string, count = 7, pad = 0): ServerEnvelope[] {
  const base = { run_id: runId, thread_id: 'thr_1', message_id: 'msg_1', user_id: userId, timestamp: '2026-12-07T00:00:00.000Z' };
  const out: ServerEnvelope[] = [
    {
      type: 'message_ack',
      message_id: 'msg_1',
      timestamp: base.timestamp,
      payload: { run_id: runId, thread_id: 'thr_1', status: 'queued' },
    } as unknown as ServerEnvelope,
    { ...base, type: 'agent_started', seq: 1, payload: { agent: 'echo' } } as unknown as ServerEnvelope,
  ];
  for (let seq = 2; seq < count; seq++) {
    out.push({ ...base, type: 'agent_thinking', seq, payload: { thought: `step ${seq} é ${'x'.repeat(pad)}`, step: seq } } as unknown as ServerEnvelope);
  }
  out.push({ ...base, type: 'agent_completed', seq: count, payload: { status: 'completed', result: 'done' } } as unknown as ServerEnvelope);
  return out;
}

async function wsClient(h: Harness, userId: string): Promise<{ ws: WebSocket; received: unknown[]; closed: Promise<number> }> {
  const token = (await h.tokens.issue(userId, 600)).token;
  const ws = new WebSocket(`${h.url.replace('http', 'ws')}/ws?token=${token}`);
  const received: unknown[] = [];
  ws.on('message', (data) => received.push(JSON.parse(String(data))));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  cleanups.push(async () => ws.terminate());
  return { ws, received, closed };
}

async function ioClientOf(
  h: Harness,
  userId: string,
  transports: Array<'websocket' | 'polling'>,
): Promise<{ socket: ClientSocket; received: Array<{ event: string; envelope: unknown }> }> {
  const token = (await h.tokens.issue(userId, 600)).token;
  const socket = ioClient(h.url, { path: '/socket.io', transports, auth: { token }, reconnection: false, forceNew: true });
  const received: Array<{ event: string; envelope: unknown }> = [];
  socket.onAny((event: string, envelope: unknown) => received.push({ event, envelope }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  cleanups.push(async () => void socket.close());
  return { socket, received };
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('batched socket writes', () => {
  it('/ws: the envelopes of one turn leave in one write, in order; the next turn is the next write', async () => {
    const h = await start();
    const { received } = await wsClient(h, 'alice');
    const connection = await connectionOf(h, 'alice', 'ws');
    await settle();
    const tcp = h.sockets.at(-1)!;
    const before = tcp.writes;

    const first = runEnvelopes('alice', 'run_1');
    for (const e of first) h.registry.deliver(connection, e);
    await until(() => received.length === first.length);
    expect(tcp.writes - before).toBe(1);
    expect(received).toEqual(first);

    const second = runEnvelopes('alice', 'run_2');
    for (const e of second) h.registry.deliver(connection, e);
    await until(() => received.length === first.length + second.length);
    expect(tcp.writes - before).toBe(2);
    expect(received.slice(first.length)).toEqual(second);
  });

  it('Socket.IO over WebSocket: one write per turn, each envelope an ordinary event socket.io-client decodes unchanged', async () => {
    const h = await start();
    const { received } = await ioClientOf(h, 'bob', ['websocket']);
    const connection = await connectionOf(h, 'bob', 'socketio');
    await settle();
    const tcp = h.sockets.at(-1)!;
    const before = tcp.writes;

    const envelopes = runEnvelopes('bob', 'run_1');
    for (const e of envelopes) h.registry.deliver(connection, e);
    await until(() => received.length === envelopes.length);
    expect(tcp.writes - before).toBe(1);
    expect(received).toEqual(envelopes.map((envelope) => ({ event: envelope.type, envelope })));
  });

  it('Socket.IO over polling still delivers every envelope, in order, a turn in one response', async () => {
    const h = await start();
    const { received } = await ioClientOf(h, 'carol', ['polling']);
    const connection = await connectionOf(h, 'carol', 'socketio');
    await settle(); // a poll is waiting
    // Engine.IO's "flush": one write buffer handed to the transport (for polling, one response).
    const flushes: number[] = [];
    h.io.engine.on('flush', (_session: unknown, buffer: unknown[]) => flushes.push(buffer.length));
    const envelopes = [...runEnvelopes('carol', 'run_1'), ...runEnvelopes('carol', 'run_2')];
    for (const e of envelopes.slice(0, 8)) h.registry.deliver(connection, e);
    await new Promise((r) => setImmediate(r));
    expect(flushes).toEqual([8]);
    for (const e of envelopes.slice(8)) h.registry.deliver(connection, e);
    await until(() => received.length === envelopes.length);
    expect(received).toEqual(envelopes.map((envelope) => ({ event: envelope.type, envelope })));
  });

  it('Socket.IO upgrading from polling to WebSocket: every envelope once, in order, whatever turn it was sent in', async () => {
    const h = await start();
    // Hold the WebSocket upgrade request until envelopes have gone over polling.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const engine = h.io.engine as unknown as { handleUpgrade(...args: unknown[]): void; clients: Record<string, { upgrading: boolean }> };
    const handleUpgrade = engine.handleUpgrade.bind(engine);
    engine.handleUpgrade = (...args: unknown[]) => void gate.then(() => handleUpgrade(...args));
    const { socket, received } = await ioClientOf(h, 'uma', ['polling', 'websocket']);
    expect(socket.io.engine.transport.name).toBe('polling');
    const upgraded = new Promise<void>((resolve) => socket.io.engine.once('upgrade', () => resolve()));
    const connection = await connectionOf(h, 'uma', 'socketio');
    const session = Object.values(engine.clients)[0]!;
    const sent: ServerEnvelope[] = [];
    let run = 0;
    let duringUpgrade = 0;
    // Each turn: an ack and a run's events (some turns past the 64 KiB early write), as a busy server sends them.
    const turn = () => {
      run += 1;
      const envelopes = runEnvelopes('uma', `run_${run}`, 7, run % 4 === 0 ? 14_000 : 0);
      for (const e of envelopes) h.registry.deliver(connection, e);
      sent.push(...envelopes);
      if (session.upgrading) duringUpgrade += 1;
    };
    for (let i = 0; i < 3; i++) {
      turn();
      await new Promise((r) => setImmediate(r));
    }
    release();
    let done = false;
    void upgraded.then(() => (done = true));
    while (!done) {
      turn();
      await new Promise((r) => setImmediate(r));
    }
    for (let i = 0; i < 3; i++) {
      turn();
      await new Promise((r) => setImmediate(r));
    }
    await until(() => received.length === sent.length);
    expect(socket.io.engine.transport.name).toBe('websocket');
    expect(duringUpgrade).toBeGreaterThan(0);
    expect(received.map((r) => r.envelope)).toEqual(sent);
  });

  it('what a turn queued counts against the slow-reader cap (SLOW_CONSUMER) on both transports', async () => {
    const h = await start(6000);
    const ws = await wsClient(h, 'dave');
    const io = await ioClientOf(h, 'dave', ['websocket']);
    const wsConnection = await connectionOf(h, 'dave', 'ws');
    const ioConnection = await connectionOf(h, 'dave', 'socketio');
    const ioGone = new Promise<string>((resolve) => io.socket.once('disconnect', (reason) => resolve(reason)));
    // 12 envelopes of about 1 KB in one turn: nothing reaches a socket before the end of the
    // turn, so only the outbox's count can see them pass 6000.
    const envelopes = runEnvelopes('dave', 'run_1', 12, 1000);
    for (const e of envelopes) {
      h.registry.deliver(wsConnection, e);
      h.registry.deliver(ioConnection, e);
    }
    expect(await ws.closed).toBe(WsCloseCode.SLOW_CONSUMER);
    expect(await ioGone).toBe('io server disconnect');
    expect(h.dropped.filter((m) => m.endsWith('SLOW_CONSUMER'))).toHaveLength(2);
    // /ws had what fit under the cap flushed before its close frame, in order.
    expect(ws.received.length).toBeGreaterThan(0);
    expect(ws.received).toEqual(envelopes.slice(0, ws.received.length));
  });

  it('a close by the transport comes after what the turn queued: RATE_LIMITED on a full backlog', async () => {
    const h = await start();
    const ws = await wsClient(h, 'ivan');
    const io = await ioClientOf(h, 'ivan', ['websocket']);
    const ioGone = new Promise<string>((resolve) => io.socket.once('disconnect', (reason) => resolve(reason)));
    // An ack queued in the turn the message arrives in, then the refusal, then the close.
    ws.ws.send('flood');
    io.socket.emit('message', 'flood');
    expect(await ws.closed).toBe(WsCloseCode.BACKLOG);
    expect(await ioGone).toBe('io server disconnect');
    const codes = (list: unknown[]) => list.map((e) => (e as { type: string; payload: { code?: string } }).payload.code ?? (e as { type: string }).type);
    expect(codes(ws.received)).toEqual(['message_ack', ErrorCode.RATE_LIMITED]);
    expect(codes(io.received.map((r) => r.envelope))).toEqual(['message_ack', ErrorCode.RATE_LIMITED]);
  });

  it("a close by the server's shutdown comes after what the turn queued", async () => {
    const h = await start();
    const ws = await wsClient(h, 'erin');
    const io = await ioClientOf(h, 'erin', ['websocket']);
    const wsConnection = await connectionOf(h, 'erin', 'ws');
    const ioConnection = await connectionOf(h, 'erin', 'socketio');
    const ioGone = new Promise<string>((resolve) => io.socket.once('disconnect', (reason) => resolve(reason)));
    const goodbye = errorEnvelope(ErrorCode.AUTH_EXPIRED, 'bye', null);
    wsConnection.send(goodbye);
    ioConnection.send(goodbye);
    // As the server's shutdown does: close(1001) on every /ws client, then io.close().
    for (const client of h.wss.clients) client.close(1001, 'server shutting down');
    void h.io.close();
    expect(await ws.closed).toBe(1001);
    expect(ws.received).toEqual([goodbye]);
    expect(await ioGone).toBe('transport close');
    expect(io.received).toEqual([{ event: 'error', envelope: goodbye }]);
  });

  it('a socket gone while envelopes were queued is written nothing, and the connection is removed', async () => {
    const h = await start();
    await wsClient(h, 'frank');
    await ioClientOf(h, 'frank', ['websocket']);
    const wsConnection = await connectionOf(h, 'frank', 'ws');
    const ioConnection = await connectionOf(h, 'frank', 'socketio');
    await settle();
    const [wsTcp, ioTcp] = h.sockets.slice(-2);
    const writes = [wsTcp!.writes, ioTcp!.writes];
    for (const e of runEnvelopes('frank', 'run_1')) {
      wsConnection.send(e);
      ioConnection.send(e);
    }
    wsTcp!.socket.destroy();
    ioTcp!.socket.destroy();
    await until(() => h.registry.forUser('frank').size === 0);
    expect([wsTcp!.writes, ioTcp!.writes]).toEqual(writes);
  });
});

describe('encoded once', () => {
  it("a Socket.IO packet is socket.io-parser's own encoding of emit(type, envelope), made once per envelope", () => {
    const encoder = new Encoder();
    const envelopes = [
      ...runEnvelopes('u', 'r'),
      errorEnvelope(ErrorCode.VALIDATION_FAILED, 'bad "quote" \u2028', 'm1'),
      { type: 'pong', timestamp: 't', payload: {} } as ServerEnvelope,
      // A type this build does not know (from a newer process on the bus) still encodes as emit would.
      { type: 'agent_paused', run_id: 'r', seq: 3, payload: { why: '</script>\u2029\ud800' } } as unknown as ServerEnvelope,
      { type: 'tool_completed', run_id: 'r', seq: 4, payload: { result: 'x'.repeat(200_000) } } as unknown as ServerEnvelope,
    ];
    for (const envelope of envelopes) {
      const packet = socketIoPacket(envelope);
      expect(packet).toBe(encoder.encode({ type: PacketType.EVENT, nsp: '/', data: [envelope.type, envelope] })[0]);
      expect(socketIoPacket(envelope)).toBe(packet);
    }
  });

  it('an envelope is serialised once for every Socket.IO and /ws connection that gets it', () => {
    const [envelope] = runEnvelopes('u', 'r');
    const wsFrame = encodeOnce((wsFrameEncoder('flowscope') as { ok: true; encode: WsFrameEncoder }).encode);
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      const packets = [socketIoPacket(envelope!), socketIoPacket(envelope!), socketIoPacket(envelope!)];
      const frames = [wsFrame(envelope!), wsFrame(envelope!)];
      expect(stringify.mock.calls.filter(([value]) => value === envelope).length).toBe(1);
      expect(new Set(packets).size).toBe(1);
      expect(frames[0]).toBe(JSON.stringify(envelope));
    } finally {
      stringify.mockRestore();
    }
  });

  it('a /ws frame is made once per envelope, whatever number of connections get it', () => {
    let calls = 0;
    const encode = encodeOnce((envelope) => {
      calls += 1;
      return JSON.stringify({ wrapped: envelope });
    });
    const [envelope] = runEnvelopes('u', 'r');
    const frame = encode(envelope!);
    expect(encode(envelope!)).toBe(frame);
    expect(calls).toBe(1);
    expect(JSON.parse(frame)).toEqual({ wrapped: envelope });
  });

  it('one envelope to a user on /ws and Socket.IO arrives on each connection, in one write each', async () => {
    const h = await start();
    const a = await wsClient(h, 'gina');
    const b = await wsClient(h, 'gina');
    const c = await ioClientOf(h, 'gina', ['websocket']);
    await until(() => h.registry.forUser('gina').size === 3);
    await settle();
    const tcps = h.sockets.slice(-3);
    const before = tcps.map((t) => t.writes);
    const envelopes = runEnvelopes('gina', 'run_1');
    for (const e of envelopes) for (const connection of h.registry.forUser('gina')) h.registry.deliver(connection, e);
    const n = envelopes.length;
    await until(() => a.received.length === n && b.received.length === n && c.received.length === n);
    expect(a.received).toEqual(envelopes);
    expect(b.received).toEqual(envelopes);
    expect(c.received.map((r) => r.envelope)).toEqual(envelopes);
    expect(tcps.map((t, i) => t.writes - before[i]!)).toEqual([1, 1, 1]);
  });
});
