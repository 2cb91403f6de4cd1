import { describe, expect, it } from 'vitest';
import type { StreamEvent } from '../live-events/index.ts';
import { batchChangesHistory, isCancellable, isReconnect } from './history-refresh.ts';

let key = 0;
const ev = (userId: string, type: string): StreamEvent => ({
  key: ++key,
  userId,
  receivedAt: 0,
  source: 'live',
  envelope: { type, run_id: 'run_1', payload: {} },
});

describe('batchChangesHistory', () => {
  it('is true when a run of the user begins or ends (sent by this console or another client)', () => {
    expect(batchChangesHistory([ev('alice', 'agent_thinking'), ev('alice', 'agent_started')], 'alice')).toBe(true);
    expect(batchChangesHistory([ev('alice', 'agent_completed')], 'alice')).toBe(true);
    expect(batchChangesHistory([ev('alice', 'message_ack')], 'alice')).toBe(true);
  });

  it("is false for another user's runs, for events inside a run, and with no user chosen", () => {
    expect(batchChangesHistory([ev('bob', 'agent_started')], 'alice')).toBe(false);
    expect(batchChangesHistory([ev('alice', 'agent_thinking'), ev('alice', 'tool_completed'), ev('alice', 'pong')], 'alice')).toBe(false);
    expect(batchChangesHistory([ev('alice', 'agent_started')], undefined)).toBe(false);
    expect(batchChangesHistory([], 'alice')).toBe(false);
  });
});

describe('isReconnect', () => {
  it('is a change to open from any other known state', () => {
    expect(isReconnect('reconnecting', 'open')).toBe(true);
    expect(isReconnect('connecting', 'open')).toBe(true);
    expect(isReconnect('idle', 'open')).toBe(true);
  });

  it('is not staying open, leaving open, or the first state seen', () => {
    expect(isReconnect('open', 'open')).toBe(false);
    expect(isReconnect('open', 'reconnecting')).toBe(false);
    expect(isReconnect(undefined, 'open')).toBe(false);
  });
});

describe('isCancellable', () => {
  it('is true for queued and running runs only', () => {
    expect(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'].filter(isCancellable)).toEqual(['queued', 'running']);
  });
});
