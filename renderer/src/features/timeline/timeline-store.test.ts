/**
 * requestLanesFrame: the lanes render in a frame the live list leaves free, and do not wait
 * for ever when there is none (a steady stream renders the list every frame). Animation
 * frames, timers and the clock are driven by hand; the users feature's envelope source is
 * replaced by one the test feeds.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

let clock = 0;
let nextId = 1;
const frames: Array<{ id: number; callback: (t: number) => void }> = [];
const timers: Array<{ id: number; at: number; callback: () => void }> = [];
let emit: (userId: string, envelope: Record<string, unknown>) => void = () => undefined;

vi.mock('../users/index.ts', () => ({
  onEnvelope: (listener: typeof emit) => {
    emit = listener;
    return () => undefined;
  },
  setRunsToResume: () => undefined,
}));

beforeAll(() => {
  vi.stubGlobal('window', globalThis);
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined, removeItem: () => undefined });
  vi.stubGlobal('requestAnimationFrame', (callback: (t: number) => void) => {
    frames.push({ id: nextId, callback });
    return nextId++;
  });
  vi.stubGlobal('cancelAnimationFrame', (id: number) => {
    const at = frames.findIndex((f) => f.id === id);
    if (at >= 0) frames.splice(at, 1);
  });
  vi.stubGlobal('setTimeout', (callback: () => void, ms = 0) => {
    timers.push({ id: nextId, at: clock + ms, callback });
    return nextId++;
  });
  vi.stubGlobal('clearTimeout', (id: number) => {
    const at = timers.findIndex((t) => t.id === id);
    if (at >= 0) timers.splice(at, 1);
  });
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
});
afterAll(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

function advanceTo(t: number): void {
  for (;;) {
    timers.sort((a, b) => a.at - b.at);
    const next = timers[0];
    if (!next || next.at > t) break;
    timers.shift();
    clock = Math.max(clock, next.at);
    next.callback();
  }
  clock = t;
}
/** One animation frame at `t`: the callbacks queued before it, in their order. */
function frame(t: number): void {
  advanceTo(t);
  for (const f of frames.splice(0)) f.callback(t);
}

describe('requestLanesFrame', () => {
  it('runs in the next frame when the live list is quiet', async () => {
    const { requestLanesFrame } = await import('./timeline-store.ts');
    let ran = 0;
    requestLanesFrame(() => ran++);
    frame(1000);
    expect(ran).toBe(1);
  });

  it('runs within a few frames while one event a frame renders the list in every frame', async () => {
    const { requestLanesFrame, MAX_LANES_FRAME_WAIT } = await import('./timeline-store.ts');
    const { onEventBatch } = await import('../live-events/index.ts');
    let renders = 0;
    onEventBatch(() => renders++);
    let frameNo = 0;
    let ranInFrame: number | null = null;
    const start = 2000;
    for (let k = 0; k < 30; k++) {
      const t = start + k * 16.7;
      advanceTo(t + 5);
      emit('u1', { type: 'agent_thinking', run_id: `run_${k}`, seq: 1, payload: { thought: 'x', step: 1 } });
      if (k === 5) requestLanesFrame(() => (ranInFrame = frameNo));
      frameNo = k;
      frame(t + 16.7);
    }
    expect(renders).toBeGreaterThan(20);
    // asked in frame 5: waits for a free frame at most MAX_LANES_FRAME_WAIT frames, then runs
    expect(ranInFrame).not.toBeNull();
    expect(ranInFrame!).toBeGreaterThan(5);
    expect(ranInFrame!).toBeLessThanOrEqual(5 + MAX_LANES_FRAME_WAIT + 1);
  });
});
