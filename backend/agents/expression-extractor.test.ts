import { describe, expect, it } from 'vitest';
import { extractArithmeticExpressions } from './expression-extractor.ts';

describe('extractArithmeticExpressions', () => {
  it.each([
    ['what is 2 + 2 * 3?', ['2 + 2 * 3']],
    ['sqrt(16) + 1', ['sqrt(16) + 1']],
    ['What is (2+3)*4 = ?', ['(2+3)*4']],
    ["what's 2^10", ['2^10']],
    ['Compute 2 ** 8, please.', ['2 ** 8']],
    ['calculate 1.5e3 / 3.', ['1.5e3 / 3']],
    ['how much is -3 + 5?', ['-3 + 5']],
    ['what is max(1, 2, 3)', ['max(1, 2, 3)']],
    ['round(pi, 2) please', ['round(pi, 2)']],
    ['2+2, 3*3 and 4-1', ['2+2', '3*3', '4-1']],
    ['(what is 2+2)', ['2+2']],
    ['what is 6 times 7', ['6 * 7']],
    ['12 divided by 4 plus 1', ['12 / 4 + 1']],
    ['2 to the power of 5', ['2 ^ 5']],
    ['7 × 6 and 8 ÷ 2 and 9 − 3', ['7 * 6', '8 / 2', '9 - 3']],
    ['what is 1/0', ['1/0']],
    ['1 + 1 and again 1 + 1', ['1 + 1']],
    ['a + 1 + 2 + 3 and 4*4 and 5*5 and 6*6', ['1 + 2 + 3', '4*4', '5*5']],
  ])('%s → %j', (text, expected) => {
    expect(extractArithmeticExpressions(text)).toEqual(expected);
  });

  it.each([
    'How do priorities work?',
    'What is the 8192-byte limit?',
    'what does error 4401 mean',
    'what happened on 2026-01-05?',
    'call 007 now',
    'HTTP/2 support?',
    'step 2 of 3',
    'retry 3 times',
    'use utf8 and v1-v2 upgrades',
    'what is e?',
    'is -5 negative',
    'Flowscope plus Redis',
    'agent_started then agent_completed',
    '',
  ])('finds nothing in %j', (text) => {
    expect(extractArithmeticExpressions(text)).toEqual([]);
  });

  it('does not join lines', () => {
    expect(extractArithmeticExpressions('2 +\n3')).toEqual([]);
  });

  it('honours max', () => {
    expect(extractArithmeticExpressions('1+1, 2+2, 3+3', 2)).toEqual(['1+1', '2+2']);
  });
});
