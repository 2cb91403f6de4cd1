import { describe, expect, it } from 'vitest';
import { optionalInteger, optionalString, requireString } from './tool-args.ts';

describe('tool argument readers', () => {
  it('reads a required string', () => {
    expect(requireString({ a: 'x' }, 'a', 5)).toBe('x');
    expect(() => requireString({}, 'a', 5)).toThrow("argument 'a' must be a string");
    expect(() => requireString({ a: 'abcdef' }, 'a', 5)).toThrow('longer than 5');
  });

  it('ignores inherited properties', () => {
    const args = Object.create({ a: 'inherited' }) as Record<string, unknown>;
    expect(() => requireString(args, 'a', 50)).toThrow('must be a string');
    expect(optionalString(args, 'a', 50)).toBeUndefined();
  });

  it('reads optional values', () => {
    expect(optionalString({}, 'a', 5)).toBeUndefined();
    expect(optionalString({ a: 'x' }, 'a', 5)).toBe('x');
    expect(optionalInteger({}, 'n', { min: 1, max: 3 })).toBeUndefined();
    expect(optionalInteger({ n: 3 }, 'n', { min: 1, max: 3 })).toBe(3);
    expect(() => optionalInteger({ n: 4 }, 'n', { min: 1, max: 3 })).toThrow('from 1 to 3');
  });
});
