import { describe, expect, it } from 'vitest';
import { createFrameBatch } from './frame-batch.ts';

function fakeFrames() {
  const queued = new Map<number, () => void>();
  let next = 1;
  return {
    scheduler: {
      request: (cb: () => void) => {
        queued.set(next, cb);
        return next++;
      },
      cancel: (h: number) => void queued.delete(h),
    },
    pending: () => queued.size,
    tick() {
      const cbs = [...queued.values()];
      queued.clear();
      for (const cb of cbs) cb();
    },
  };
}

describe('frame batch', () => {
  it('flushes once per frame however many updates were requested', () => {
    const frames = fakeFrames();
    let flushes = 0;
    const batch = createFrameBatch(() => flushes++, frames.scheduler);
    for (let i = 0; i < 1000; i++) batch.request();
    expect(frames.pending()).toBe(1);
    expect(flushes).toBe(0);
    frames.tick();
    expect(flushes).toBe(1);
    batch.request();
    frames.tick();
    expect(flushes).toBe(2);
  });

  it('flushes now or drops the scheduled flush', () => {
    const frames = fakeFrames();
    let flushes = 0;
    const batch = createFrameBatch(() => flushes++, frames.scheduler);
    batch.flushNow();
    expect(flushes).toBe(0);
    batch.request();
    batch.flushNow();
    expect([flushes, frames.pending()]).toEqual([1, 0]);
    batch.request();
    batch.cancel();
    frames.tick();
    expect(flushes).toBe(1);
  });
});
