/** scriptLimitProblems: the bounds of a scripted run (test/system/script-limits.test.ts has them at reception). */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRIPT_LIMITS, scriptLimitProblems } from './script-limits.ts';

describe('scriptLimitProblems', () => {
  it('names the step whose delay crosses the total, and a script with too many steps', () => {
    const long = [{ think: 'a' }, { tool: 't', args: {}, delay_ms: 40_000 }, { tool: 't', args: {}, delay_ms: 30_000 }];
    expect(scriptLimitProblems(long)).toEqual([
      { path: 'payload.script[2].delay_ms', message: "the script's delays add up to more than 60000 ms (70000 ms by step 3)" },
    ]);
    const many = Array.from({ length: 6 }, () => ({ think: 'x' }));
    expect(scriptLimitProblems(many, { maxSteps: 5, maxTotalDelayMs: 10 })).toEqual([{ path: 'payload.script', message: 'at most 5 steps (got 6)' }]);
    expect(scriptLimitProblems(long.slice(0, 2), DEFAULT_SCRIPT_LIMITS)).toEqual([]);
  });
});
