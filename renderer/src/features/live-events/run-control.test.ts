import { describe, expect, it } from 'vitest';
import type { StreamEvent } from './stream-event.ts';
import { cancelRunMessage, isRunInProgress, trackRuns } from './run-control.ts';

let key = 0;
const ev = (type: string, runId: string, payload: Record<string, unknown> = {}): StreamEvent => ({
  key: ++key,
  userId: 'alice',
  receivedAt: 0,
  source: 'live',
  envelope: { type, run_id: runId, payload },
});

describe('cancelRunMessage', () => {
  it('is a cancel_run for the run, with a fresh message id (protocol.md §3)', () => {
    const msg = JSON.parse(cancelRunMessage('run_42', 1000)) as Record<string, unknown>;
    expect(msg).toEqual({ type: 'cancel_run', message_id: 'cancel_run_42_rs', payload: { run_id: 'run_42' } });
    expect(JSON.parse(cancelRunMessage('run_42', 2000)).message_id).not.toBe(msg.message_id);
  });
});

describe('trackRuns / isRunInProgress', () => {
  it('a run is in progress from its ack or first event until its agent_completed', () => {
    expect(isRunInProgress('run_t1')).toBe(false);
    trackRuns([{ ...ev('message_ack', 'run_t1'), envelope: { type: 'message_ack', payload: { run_id: 'run_t1' } } }]);
    expect(isRunInProgress('run_t1')).toBe(true);
    trackRuns([ev('agent_started', 'run_t1'), ev('agent_thinking', 'run_t1')]);
    expect(isRunInProgress('run_t1')).toBe(true);
    trackRuns([ev('agent_completed', 'run_t1', { status: 'cancelled' })]);
    expect(isRunInProgress('run_t1')).toBe(false);
  });

  it('an ended run stays ended when a late or replayed event of it arrives', () => {
    trackRuns([ev('agent_started', 'run_t2'), ev('agent_completed', 'run_t2', { status: 'succeeded' })]);
    trackRuns([ev('agent_thinking', 'run_t2')]);
    expect(isRunInProgress('run_t2')).toBe(false);
  });

  it('ignores events of no run and server events that are not run events', () => {
    trackRuns([{ key: ++key, userId: 'alice', receivedAt: 0, source: 'live', envelope: { type: 'pong' } }, ev('error', 'run_t3')]);
    expect(isRunInProgress('run_t3')).toBe(false);
    expect(isRunInProgress('')).toBe(false);
  });
});
