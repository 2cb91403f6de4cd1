import { describe, expect, it } from 'vitest';
import { matches, mismatches } from './pattern-matcher.ts';

const ack = { type: 'message_ack', payload: { message_id: 'm1', run_id: 'run_9', queue_position: 2, duplicate: false, tags: ['a', 'b'] } };

describe('pattern matcher', () => {
  it('objects match as subsets, scalars by equality', () => {
    expect(matches({ type: 'message_ack', payload: { duplicate: false } }, ack)).toBe(true);
    expect(mismatches({ payload: { duplicate: true } }, ack)).toEqual([{ path: 'payload.duplicate', expected: 'true', received: 'false' }]);
  });
  it('arrays match element by element with the same length', () => {
    expect(matches({ payload: { tags: ['a', 'b'] } }, ack)).toBe(true);
    expect(mismatches({ payload: { tags: ['a'] } }, ack)).toEqual([{ path: 'payload.tags.length', expected: '1', received: '2' }]);
  });
  it('operators', () => {
    expect(matches({ payload: { run_id: { $regex: '^run_\\d+$' } } }, ack)).toBe(true);
    expect(matches({ payload: { run_id: { $regex: '^RUN', $flags: 'i' } } }, ack)).toBe(true);
    expect(matches({ payload: { queue_position: { $gte: 1, $lt: 3 } } }, ack)).toBe(true);
    expect(matches({ payload: { queue_position: { $gt: 2 } } }, ack)).toBe(false);
    expect(matches({ payload: { run_id: { $type: 'string' }, nope: { $exists: false } } }, ack)).toBe(true);
    expect(matches({ payload: { tags: { $contains: 'b', $length: 2 } } }, ack)).toBe(true);
    expect(matches({ type: { $oneOf: ['error', 'message_ack'] } }, ack)).toBe(true);
    expect(matches({ type: { $not: 'error' } }, ack)).toBe(true);
    expect(matches({ payload: { run_id: { $any: true } } }, ack)).toBe(true);
    expect(matches({ payload: { missing: { $any: true } } }, ack)).toBe(false);
  });
  it('reports every mismatch with its path', () => {
    const diff = mismatches({ type: 'error', payload: { queue_position: { $lt: 1 }, message_id: 'm2' } }, ack, 'reply');
    expect(diff).toEqual([
      { path: 'reply.type', expected: '"error"', received: '"message_ack"' },
      { path: 'reply.payload.queue_position', expected: 'a number < 1', received: '2' },
      { path: 'reply.payload.message_id', expected: '"m2"', received: '"m1"' },
    ]);
  });
  it('a shape mismatch is reported once, not per key', () => {
    expect(mismatches({ payload: { a: 1, b: 2 } }, { payload: 'text' })).toEqual([{ path: 'payload', expected: 'an object', received: '"text"' }]);
  });
  it('an undefined pattern matches anything', () => {
    expect(matches(undefined, 42)).toBe(true);
  });
  it('every operator of one object must hold', () => {
    expect(matches({ type: { $exists: true, $not: 'message_ack' } }, ack)).toBe(false);
    expect(matches({ type: { $exists: true, $not: 'error' } }, ack)).toBe(true);
    expect(mismatches({ payload: { run_id: { $any: true, $regex: '^x' } } }, ack)).toEqual([
      { path: 'payload.run_id', expected: 'a string matching /^x/', received: '"run_9"' },
    ]);
  });
});
