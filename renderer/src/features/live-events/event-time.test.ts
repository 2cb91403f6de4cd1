import { describe, expect, it } from 'vitest';
import { eventTimeOf, runDelta, serverTimeOf } from './event-time.ts';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

describe('serverTimeOf / eventTimeOf', () => {
  it('read the server timestamp of an envelope', () => {
    expect(serverTimeOf({ type: 'agent_started', timestamp: at(61) })).toBe(T0 + 61);
    expect(eventTimeOf({ envelope: { type: 'agent_started', timestamp: at(61) }, receivedAt: T0 + 500 })).toBe(T0 + 61);
  });

  it('fall back to the receive time without a timestamp that parses', () => {
    expect(serverTimeOf({ type: 'pong' })).toBeNull();
    expect(serverTimeOf({ type: 'pong', timestamp: 'not a date' })).toBeNull();
    expect(serverTimeOf({ type: 'pong', timestamp: 42 })).toBeNull();
    expect(eventTimeOf({ envelope: { type: 'pong' }, receivedAt: T0 + 500 })).toBe(T0 + 500);
  });

  it('use the timestamp read when the event was made (serverAt) rather than reading it again', () => {
    const envelope = { type: 'agent_started', timestamp: at(61) };
    expect(eventTimeOf({ envelope, receivedAt: T0 + 500, serverAt: T0 + 61 })).toBe(T0 + 61);
    // read as none when made: the receive time, whatever the envelope says
    expect(eventTimeOf({ envelope, receivedAt: T0 + 500, serverAt: null })).toBe(T0 + 500);
  });
});

describe('runDelta', () => {
  it('is the server-time gap to the previous event of the same run, whatever the arrival times', () => {
    const last = new Map<string, number>();
    // two events 61 ms apart on the server that arrived 1 ms apart (a burst): the delta is 61
    expect(runDelta(last, 'run_a', T0)).toBeUndefined();
    expect(runDelta(last, 'run_b', T0 + 5)).toBeUndefined();
    expect(runDelta(last, 'run_a', T0 + 61)).toBe(61);
    expect(runDelta(last, 'run_b', T0 + 6)).toBe(1);
  });

  it('is undefined for events of no run, and forgets the oldest run past the cap', () => {
    const last = new Map<string, number>();
    expect(runDelta(last, null, T0)).toBeUndefined();
    expect(last.size).toBe(0);
    runDelta(last, 'r1', 1, 2);
    runDelta(last, 'r2', 2, 2);
    runDelta(last, 'r3', 3, 2);
    expect([...last.keys()]).toEqual(['r2', 'r3']);
    expect(runDelta(last, 'r1', 10, 2)).toBeUndefined();
  });
});
