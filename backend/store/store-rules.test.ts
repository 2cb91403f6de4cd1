import { describe, expect, it } from 'vitest';
import { isoTimestamp } from './store-rules.ts';

/** What isoTimestamp did before its fast path: through a Date, always. */
function throughDate(value: string): string {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid timestamp: ${JSON.stringify(value)}`);
  return date.toISOString();
}

function outcome(fn: () => string): string {
  try {
    return fn();
  } catch (err) {
    return `throws ${(err as Error).message}`;
  }
}

describe('isoTimestamp', () => {
  it('gives what a Date gives, for random instants across four centuries (the fast path)', () => {
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 20_000; i++) {
      const ms = Date.UTC(1900, 0, 1) + (next() / 2 ** 31) * (Date.UTC(2300, 0, 1) - Date.UTC(1900, 0, 1));
      const text = new Date(Math.floor(ms)).toISOString();
      expect(isoTimestamp(text)).toBe(text);
    }
  });

  it('normalises other forms to UTC with milliseconds', () => {
    expect(isoTimestamp('2026-12-07T18:00:00+01:00')).toBe('2026-12-07T17:00:00.000Z');
    expect(isoTimestamp('2026-12-07T17:00:00Z')).toBe('2026-12-07T17:00:00.000Z');
    expect(isoTimestamp('2026-12-07')).toBe('2026-12-07T00:00:00.000Z');
  });

  it('treats impossible calendar values exactly as a Date does', () => {
    for (const value of [
      '2026-02-29T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2100-02-29T00:00:00.000Z',
      '2000-02-29T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '2026-04-31T00:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-00-10T00:00:00.000Z',
      '2026-12-00T00:00:00.000Z',
      '2026-12-07T24:00:00.000Z',
      '2026-12-07T23:60:00.000Z',
      '2026-12-07T23:59:60.000Z',
      'not a time',
      '',
    ]) {
      expect(
        outcome(() => isoTimestamp(value)),
        value,
      ).toBe(outcome(() => throughDate(value)));
    }
  });
});
