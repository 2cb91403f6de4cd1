import { describe, expect, it } from 'vitest';
import type { ServerEnvelope } from '../../protocol/index.ts';
import { RunEventSequencer } from './run-event-sequencer.ts';

const ev = (seq: number, run = 'r1') => ({ type: 'agent_thinking', run_id: run, seq, payload: { thought: `t${seq}`, step: seq } }) as unknown as ServerEnvelope;
const seqs = (sent: ServerEnvelope[], run = 'r1') => sent.filter((e) => (e as { run_id?: string }).run_id === run).map((e) => (e as { seq: number }).seq);

function setup(graceMs = 30, firstGraceMs = 60) {
  const sent: ServerEnvelope[] = [];
  return { sent, s: new RunEventSequencer((e) => sent.push(e), graceMs, firstGraceMs) };
}

describe('RunEventSequencer', () => {
  it('never sends a seq twice: a replay of what arrived live is dropped', async () => {
    const { sent, s } = setup();
    for (const n of [1, 2, 3]) s.deliver(ev(n));
    await s.resume('r1', async () => [ev(2), ev(3), ev(4)]);
    s.deliver(ev(4));
    s.deliver(ev(5));
    expect(seqs(sent)).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds live events while the resume reads, then merges them in seq order', async () => {
    const { sent, s } = setup();
    s.deliver(ev(1));
    let release!: () => void;
    const reading = new Promise<void>((r) => (release = r));
    const resumed = s.resume('r1', async () => {
      await reading;
      return [ev(2), ev(3)];
    });
    s.deliver(ev(3));
    s.deliver(ev(4));
    expect(seqs(sent)).toEqual([1]);
    release();
    await resumed;
    expect(seqs(sent)).toEqual([1, 2, 3, 4]);
  });

  it('holds a run first heard of mid-way until its resume, so the replay comes first', async () => {
    const { sent, s } = setup();
    s.deliver(ev(5)); // connected while the run was going
    s.deliver(ev(6));
    expect(seqs(sent)).toEqual([]);
    await s.resume('r1', async () => [ev(3), ev(4), ev(5)]);
    expect(seqs(sent)).toEqual([3, 4, 5, 6]);
  });

  it('without a resume the held events go out after the grace period, in order', async () => {
    const { sent, s } = setup(20, 40);
    s.deliver(ev(7));
    s.deliver(ev(8));
    s.handled(); // the first message was handled: RESUME_GRACE_MS more
    await new Promise((r) => setTimeout(r, 60));
    expect(seqs(sent)).toEqual([7, 8]);
    s.deliver(ev(9));
    expect(seqs(sent)).toEqual([7, 8, 9]);
  });

  it('passes envelopes without a run seq straight through, and runs from seq 1 at once', () => {
    const { sent, s } = setup();
    s.deliver({ type: 'pong', timestamp: 'x', payload: {} } as ServerEnvelope);
    s.deliver(ev(1, 'r2'));
    expect(sent.map((e) => e.type)).toEqual(['pong', 'agent_thinking']);
  });

  it('sends nothing after close', async () => {
    const { sent, s } = setup();
    s.deliver(ev(4));
    s.close();
    await new Promise((r) => setTimeout(r, 80));
    s.deliver(ev(1, 'r3'));
    expect(sent).toEqual([]);
  });
});
