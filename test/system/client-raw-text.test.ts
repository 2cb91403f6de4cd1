/**
 * The client's envelope listeners and `raw`: a listener that declares the parameter gets the
 * frame's text (/ws) or the payload's JSON (Socket.IO); when no listener declares it, a
 * Socket.IO payload is not serialised again (listeners get '').
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReceivedEnvelope } from '../../client/index.ts';
import { startHarness, type Harness } from '../support/backend-harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe.each(['socketio', 'ws'] as const)('raw text for envelope listeners (%s)', (transport) => {
  it('is the JSON of what arrived for a listener that takes it', async () => {
    const client = await harness.client(`raw-${transport}`, transport);
    const texts: Array<[ReceivedEnvelope, string]> = [];
    const off = client.connection.onEnvelope((envelope, raw) => texts.push([envelope, raw]));
    client.send({ type: 'ping', message_id: 'p1' });
    await client.waitFor((e) => e.type === 'pong');
    off();
    const [envelope, raw] = texts.find(([e]) => e.type === 'pong') ?? [];
    const parsed = JSON.parse(raw ?? 'null') as Record<string, unknown>;
    // /ws: the whole frame; Socket.IO: the event's payload (the type is the event's name).
    expect({ type: 'pong', ...parsed }).toEqual(envelope);
    client.close();
  });

  it('is not made when no listener takes it', async () => {
    const client = await harness.client(`lazy-${transport}`, transport);
    const seconds: unknown[] = [];
    // Declares one parameter (length 1) and reads what it was given anyway.
    const off = client.connection.onEnvelope(function (this: unknown, _envelope: ReceivedEnvelope) {
      // eslint-disable-next-line prefer-rest-params
      seconds.push(arguments[1]);
    });
    client.send({ type: 'ping', message_id: 'p2' });
    await client.waitFor((e) => e.type === 'pong');
    off();
    expect(seconds.length).toBeGreaterThan(0);
    // Socket.IO: nothing serialised; /ws: the frame's text is there anyway and costs nothing.
    for (const second of seconds) {
      if (transport === 'socketio') expect(second).toBe('');
      else expect(typeof second === 'string' && second.startsWith('{"type":')).toBe(true);
    }
    client.close();
  });
});
