import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ClientEnvelope, ServerEnvelope, ServerEventType, ToolCompletedEnvelope } from './envelope-types.ts';
import { BATCH_EVENT } from './batched-delivery.ts';
import { CLIENT_MESSAGE_EVENT, type ClientToServerEvents, type ServerEnvelopeByType, type ServerToClientEvents } from './socket-events.ts';

describe('Socket.IO event maps derived from the envelope unions', () => {
  it('has one server event per server envelope type, whose listener gets that envelope, and the batch event', () => {
    expectTypeOf<keyof ServerToClientEvents>().toEqualTypeOf<ServerEventType | typeof BATCH_EVENT>();
    expect(BATCH_EVENT).toBe('batch');
    expectTypeOf<Parameters<ServerToClientEvents['batch']>>().toEqualTypeOf<[envelopes: ServerEnvelope[]]>();
    expectTypeOf<Parameters<ServerToClientEvents['tool_completed']>>().toEqualTypeOf<[envelope: ToolCompletedEnvelope]>();
    expectTypeOf<ServerEnvelopeByType[ServerEventType]>().toEqualTypeOf<ServerEnvelope>();
  });

  it('clients send every message as one event, an envelope or its text', () => {
    expect(CLIENT_MESSAGE_EVENT).toBe('message');
    expectTypeOf<keyof ClientToServerEvents>().toEqualTypeOf<'message'>();
    expectTypeOf<ClientEnvelope>().toExtend<Parameters<ClientToServerEvents['message']>[0]>();
    expectTypeOf<string>().toExtend<Parameters<ClientToServerEvents['message']>[0]>();
  });
});
