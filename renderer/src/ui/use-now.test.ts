import { afterEach, describe, expect, it, vi } from 'vitest';
import { onClockTick } from './use-now.ts';

describe('the shared clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks every listener of an interval from one timer, in the same task, and stops with the last listener', () => {
    vi.useFakeTimers();
    const ticks: string[] = [];
    const offA = onClockTick(250, () => ticks.push('a'));
    const offB = onClockTick(250, () => ticks.push('b'));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(250);
    expect(ticks).toEqual(['a', 'b']);
    const offC = onClockTick(1000, () => ticks.push('c'));
    expect(vi.getTimerCount()).toBe(2);
    offA();
    vi.advanceTimersByTime(250);
    expect(ticks).toEqual(['a', 'b', 'b']);
    offB();
    offC();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(ticks).toEqual(['a', 'b', 'b']);
  });
});
