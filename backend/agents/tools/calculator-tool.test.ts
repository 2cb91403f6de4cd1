import { describe, expect, it } from 'vitest';
import { createCalculatorTool, tidyNumber } from './calculator-tool.ts';

const signal = new AbortController().signal;
const calculator = createCalculatorTool();

describe('calculator tool', () => {
  it('is named calculator and describes itself', () => {
    expect(calculator.name).toBe('calculator');
    expect(calculator.description).toMatch(/arithmetic/);
  });

  it('returns { expression, value }', async () => {
    await expect(calculator.execute({ expression: '2 + 2 * 3' }, signal)).resolves.toEqual({ expression: '2 + 2 * 3', value: 8 });
  });

  it('trims the expression it reports', async () => {
    await expect(calculator.execute({ expression: '  sqrt(16) + 1 ' }, signal)).resolves.toEqual({ expression: 'sqrt(16) + 1', value: 5 });
  });

  it('tidies floating-point noise', async () => {
    await expect(calculator.execute({ expression: '0.1 + 0.2' }, signal)).resolves.toEqual({ expression: '0.1 + 0.2', value: 0.3 });
    expect(tidyNumber(1 / 3)).toBe(0.333333333333333);
    expect(Object.is(tidyNumber(-0), 0)).toBe(true);
  });

  it('rejects with the evaluator message for bad input', async () => {
    await expect(calculator.execute({ expression: '1 / 0' }, signal)).rejects.toThrow('division by zero at 2');
    await expect(calculator.execute({ expression: '(1 + 2))' }, signal)).rejects.toThrow("unexpected ')' at 7");
  });

  it.each([
    [{}, "argument 'expression' must be a string"],
    [{ expression: 42 }, "argument 'expression' must be a string"],
    [{ expression: '  ' }, "argument 'expression' must not be empty"],
    [{ expression: '1+'.repeat(600) + '1' }, "argument 'expression' is longer than 1000 characters"],
  ])('rejects bad arguments %#', async (args, message) => {
    await expect(calculator.execute(args, signal)).rejects.toThrow(message);
  });
});
