import { describe, expect, it } from 'vitest';
import { createFloodDetector } from './flood-detector.ts';

const rules = { batch: 200, windowMs: 250, overMs: 1000 };

describe('the flood detector', () => {
  it('calls one render of a flood’s worth a flood, and a trickle not', () => {
    const d = createFloodDetector(rules);
    expect(d.record(0, 7)).toBe(false);
    expect(d.record(1000, 5)).toBe(false);
    expect(d.record(2000, 250)).toBe(true);
  });

  it('calls a flood at its start, from what arrived over several renders of a window', () => {
    const d = createFloodDetector(rules);
    // 5,000 events a second, a render each frame: about 80 each
    expect([0, 16, 33].map((t) => d.record(t, 80))).toEqual([false, false, true]);
  });

  it('does not add up renders further apart than the window', () => {
    const d = createFloodDetector(rules);
    expect([0, 250, 500, 750].map((t) => d.record(t, 150))).toEqual([false, false, false, false]);
  });

  it('lasts until no render met a rule for the over time, without flapping at one small render', () => {
    const d = createFloodDetector(rules);
    d.record(0, 300);
    expect(d.record(300, 10)).toBe(true);
    expect(d.flooding(999)).toBe(true);
    expect(d.flooding(1000)).toBe(false);
    expect(d.record(1500, 10)).toBe(false);
  });
});
