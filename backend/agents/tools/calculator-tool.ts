/** The `calculator` tool: `{ expression }` → `{ expression, value }`, via the safe evaluator. */
import type { Tool } from '../agent-types.ts';
import { evaluateArithmetic, MAX_EXPRESSION_LENGTH } from './arithmetic-evaluator.ts';
import { requireString } from './tool-args.ts';

export const CALCULATOR_TOOL_NAME = 'calculator';

export interface CalculatorResult {
  expression: string;
  value: number;
}

/**
 * Rounds away binary floating-point noise (0.1 + 0.2 gives 0.3, not 0.30000000000000004):
 * 15 significant digits is what a double represents exactly.
 */
export function tidyNumber(value: number): number {
  const tidy = Number(value.toPrecision(15));
  return tidy === 0 ? 0 : tidy;
}

export function createCalculatorTool(): Tool {
  return {
    name: CALCULATOR_TOOL_NAME,
    description: 'Evaluates an arithmetic expression: + - * / % ^ (or **), parentheses, sqrt abs min max round floor ceil ln log, pi, e.',
    parameters: {
      type: 'object',
      properties: {
        expression: { type: 'string', description: 'The expression, e.g. "2 + 2 * 3".' },
      },
      required: ['expression'],
      additionalProperties: false,
    },
    execute(args): Promise<CalculatorResult> {
      return Promise.resolve().then(() => {
        const expression = requireString(args, 'expression', MAX_EXPRESSION_LENGTH).trim();
        return { expression, value: tidyNumber(evaluateArithmetic(expression)) };
      });
    },
  };
}
