/**
 * A user's stalled connections (issue 17, defect 12): nine connections of one user stop
 * reading while a tenth sends ~8 KB messages at 50/s whose runs send ~8 KB of events to all
 * ten. The slow-reader rule (MAX_OUTBOUND_BUFFER_BYTES, close 4408 / Socket.IO disconnect)
 * drops the nine; the sender is never closed for its backlog (4429) and keeps getting answers.
 * The kernel buffers of a stalled loopback connection take megabytes (tens with autotuning)
 * before the server's own buffer grows, so the rule is timed too: a connection that has not
 * answered a ping by the next one (PING_INTERVAL_MS) is dropped. Bounded: 20 s of sending.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { io as ioClient, type Socket } from 'socket.io-client';
import { startBackend, type RunningBackend } from '../../backend/server/flowscope-server.ts';
import type { LogFields } from '../../backend/logging/logger.ts';

const SECRET = 'stalled-connections-secret-stalled-0000000';
const PING_INTERVAL_MS = 2000;

let backend: RunningBackend | undefined;
const cleanup: Array<() => void> = [];
afterEach(async () => {
  await backend?.close();
  for (const fn of cleanup.splice(0)) fn();
  backend = undefined;
}, 30_000);

/** Opens a /ws connection and stops reading it (the kernel buffers fill, then the server's). */
async function stalledWs(url: string, token: string): Promise<void> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  (ws as unknown as { _socket: { pause(): void } })._socket.pause();
  ws.on('error', () => undefined);
  cleanup.push(() => ws.terminate());
}

async function stalledSocketIo(url: string, token: string): Promise<void> {
  const socket: Socket = ioClient(url, { transports: ['websocket'], auth: { token }, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  (socket.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
  cleanup.push(() => socket.disconnect());
}

describe.each(['ws', 'socketio'] as const)('nine stalled %s connections and a sending tenth', (transport) => {
  it('drops the nine by the slow-reader rule; the sender keeps working', async () => {
    const dropped: LogFields[] = [];
    backend = await startBackend(
      {
        host: '127.0.0.1',
        port: 0,
        jwtSecret: SECRET,
        rateLimitMessages: 100_000,
        maxConnectionsPerUser: 10,
        limits: { pingIntervalMs: PING_INTERVAL_MS },
      },
      (_level, message, _err, fields) => {
        if (message.startsWith('connection dropped')) dropped.push(fields ?? {});
      },
    );
    const token = await backend.mintToken('stalled-user');

    for (let i = 0; i < 9; i += 1) await (transport === 'ws' ? stalledWs(backend.url, token) : stalledSocketIo(backend.url, token));

    const sender = new WebSocket(`${backend.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
    cleanup.push(() => sender.terminate());
    await new Promise((resolve) => sender.once('open', resolve));
    let acks = 0;
    const refusals: string[] = [];
    let closedWith: number | undefined;
    sender.on('message', (data) => {
      const e = JSON.parse(String(data)) as { type: string; payload: { code?: string } };
      if (e.type === 'message_ack') acks += 1;
      else if (e.type === 'error') refusals.push(String(e.payload.code));
    });
    sender.on('close', (code) => (closedWith = code));

    // ~7.8 KB frames, each a run whose events carry ~7.6 KB to every connection of the user.
    const half = 'y'.repeat(3800);
    let sent = 0;
    const timer = setInterval(() => {
      if (sender.readyState !== WebSocket.OPEN) return;
      sender.send(
        JSON.stringify({
          type: 'user_message',
          message_id: `m${sent++}`,
          payload: { content: 'c', agent: 'scripted', script: [{ think: half }, { respond: half }] },
        }),
      );
    }, 20);
    cleanup.push(() => clearInterval(timer));

    // Found by the heartbeat within two ping intervals (plus Socket.IO's ping timeout); today's
    // byte count alone waits for the kernel buffers and 8 MB more (tens of seconds at this rate).
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && closedWith === undefined && (await backend.health()).body.connections > 1) await new Promise((r) => setTimeout(r, 250));
    const connections = (await backend.health()).body.connections;
    // The sender still works after the nine are gone.
    const acksThen = acks;
    await new Promise((r) => setTimeout(r, 1000));
    clearInterval(timer);

    expect(closedWith, `the sender was closed (refusals: ${[...new Set(refusals)].join(', ')})`).toBeUndefined();
    expect(connections).toBe(1);
    expect(dropped).toHaveLength(9);
    for (const fields of dropped) expect(fields).toMatchObject({ user: 'stalled-user', transport, code: 'SLOW_CONSUMER' });
    expect(refusals).toEqual([]);
    expect(acks).toBeGreaterThan(acksThen);

    // Shutting down does not wait on the stalled peers (a WebSocket close they never read).
    const closing = Date.now();
    await backend.close();
    backend = undefined;
    expect(Date.now() - closing).toBeLessThan(10_000);
  }, 90_000);
});
