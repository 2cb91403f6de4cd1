import { describe, expect, it } from 'vitest';
import { formatClock, formatDateTime, formatDelta, formatWhen } from './time-format.ts';

describe('time formats', () => {
  const at = new Date(2026, 11, 8, 9, 5, 7, 42).getTime();

  it('shows the wall clock with milliseconds, 24-hour, as every time of the console', () => {
    expect(formatClock(at)).toBe('09:05:07.042');
    expect(formatDateTime(at)).toBe('2026-12-08 09:05:07');
  });

  it('says when: the time alone today, the date too on another day', () => {
    expect(formatWhen(at, new Date(2026, 11, 8, 23, 0).getTime())).toBe('09:05:07');
    expect(formatWhen(at, new Date(2026, 11, 9, 0, 1).getTime())).toBe('2026-12-08 09:05:07');
    expect(formatWhen(at, new Date(2027, 11, 8, 9, 0).getTime())).toBe('2026-12-08 09:05:07');
  });

  it('writes deltas in ms below a second', () => {
    expect(formatDelta(12)).toBe('+12 ms');
    expect(formatDelta(1250)).toBe('+1.25 s');
  });
});
