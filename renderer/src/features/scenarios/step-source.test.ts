import { describe, expect, it } from 'vitest';
import { sourceLabel, stepLocator } from './step-source.ts';

const TEXT = `flowscope: 1
name: lines
users:
  a: {}
steps:
  - connect: a
  - repeat:
      times: 2
      steps:
        - sleep: 1
        - send:
            as: a
            message: { type: ping }
`;

describe('stepLocator', () => {
  it('finds top-level and nested steps by their result id, as the CLI does', () => {
    const at = stepLocator(TEXT);
    expect(at('1')).toEqual({ line: 6, column: 5 });
    expect(at('2')).toEqual({ line: 7, column: 5 });
    expect(at('2.2.2')).toEqual({ line: 11, column: 11 });
    expect(at('9')).toBeUndefined();
    expect(sourceLabel('golden/x', at('2.1.1')!)).toBe('golden/x:10:11');
  });

  it('text that does not load locates nothing', () => {
    expect(stepLocator('flowscope: 1\nname: [')('1')).toBeUndefined();
  });
});
