import { describe, expect, it } from 'vitest';
import { ArithmeticError, evaluateArithmetic, MAX_EXPRESSION_LENGTH, parseArithmetic, tokenizeArithmetic } from './arithmetic-evaluator.ts';

function errorOf(expression: string): ArithmeticError {
  try {
    evaluateArithmetic(expression);
  } catch (err) {
    expect(err).toBeInstanceOf(ArithmeticError);
    return err as ArithmeticError;
  }
  throw new Error(`expected ${expression} to fail`);
}

describe('evaluateArithmetic: numbers', () => {
  it.each([
    ['42', 42],
    ['3.25', 3.25],
    ['.5', 0.5],
    ['2.', 2],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['1e+2', 100],
    ['  7  ', 7],
  ])('%s = %s', (expression, value) => {
    expect(evaluateArithmetic(expression)).toBe(value);
  });
});

describe('evaluateArithmetic: precedence and associativity', () => {
  it.each([
    ['2 + 2 * 3', 8],
    ['(2 + 2) * 3', 12],
    ['10 - 4 - 3', 3],
    ['100 / 10 / 5', 2],
    ['2 * 3 % 4', 2],
    ['17 % 5 * 2', 4],
    ['2 ^ 3 ^ 2', 512],
    ['(2 ^ 3) ^ 2', 64],
    ['2 ** 3', 8],
    ['2 ** 3 ** 2', 512],
    ['1 + 2 * 3 ^ 2', 19],
    ['8 / 2 * 4', 16],
    ['((((1 + 1))))', 2],
  ])('%s = %s', (expression, value) => {
    expect(evaluateArithmetic(expression)).toBe(value);
  });
});

describe('evaluateArithmetic: unary operators', () => {
  it.each([
    ['-3', -3],
    ['+3', 3],
    ['--3', 3],
    ['-+-3', 3],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['2 ^ -1', 0.5],
    ['2 * -3', -6],
    ['5 - -5', 10],
    ['-(1 + 2)', -3],
    ['-0', 0],
  ])('%s = %s', (expression, value) => {
    expect(evaluateArithmetic(expression)).toBe(value);
  });

  it('never returns negative zero', () => {
    expect(Object.is(evaluateArithmetic('-0'), 0)).toBe(true);
    expect(Object.is(evaluateArithmetic('0 * -1'), 0)).toBe(true);
  });
});

describe('evaluateArithmetic: functions and constants', () => {
  it.each([
    ['sqrt(16)', 4],
    ['sqrt(16) + 1', 5],
    ['abs(-7.5)', 7.5],
    ['min(3, 1, 2)', 1],
    ['max(3, 1, 2)', 3],
    ['max(-1)', -1],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(3.14159, 2)', 3.14],
    ['floor(-1.5)', -2],
    ['ceil(1.2)', 2],
    ['ln(e)', 1],
    ['log(1000)', 3],
    ['log(8, 2)', 3],
    ['pi', Math.PI],
    ['2 * pi', 2 * Math.PI],
    ['e', Math.E],
    ['SQRT(9) + PI - pi', 3],
    ['max(1, min(5, 3) * 2, sqrt(4))', 6],
  ])('%s = %s', (expression, value) => {
    expect(evaluateArithmetic(expression)).toBeCloseTo(value, 12);
  });
});

describe('evaluateArithmetic: errors carry positions', () => {
  it.each([
    ['(1 + 2))', "unexpected ')' at 7", 7],
    ['1 +', 'unexpected end of input at 3', 3],
    ['1 + * 2', "unexpected '*' at 4", 4],
    ['2 3', "unexpected '3' at 2", 2],
    ['(1 + 2', 'unexpected end of input at 6', 6],
    ['1 $ 2', "unexpected character '$' at 2", 2],
    ['2x', "unknown identifier 'x' at 1", 1],
    ['1 / 0', 'division by zero at 2', 2],
    ['5 % (2 - 2)', 'modulo by zero at 2', 2],
    ['sqrt(-1)', 'sqrt of a negative number at 0', 0],
    ['ln(0)', 'ln of a non-positive number at 0', 0],
    ['log(8, 1)', 'log base must be positive and not 1 at 0', 0],
    ['sqrt(1, 2)', 'sqrt expects 1 argument, got 2 at 0', 0],
    ['min()', 'min expects 1 to 100 arguments, got 0 at 0', 0],
    ['sqrt 4', "function 'sqrt' needs '(' after it at 0", 0],
    ['pi(2)', "'pi' is not a function at 0", 0],
    ['10 ^ 400', 'result is not finite at 3', 3],
    ['(-8) ^ 0.5', 'result is not a real number at 5', 5],
    ['1e999', 'number out of range at 0', 0],
    ['1,2', "unexpected ',' at 1", 1],
    ['()', "unexpected ')' at 1", 1],
  ])('%s → %s', (expression, message, position) => {
    const error = errorOf(expression);
    expect(error.message).toBe(message);
    expect(error.position).toBe(position);
  });

  it('refuses empty input without a position', () => {
    expect(errorOf('').message).toBe('empty expression');
    expect(errorOf('   ').position).toBeNull();
  });

  it('reports a syntax error before any evaluation error', () => {
    expect(errorOf('1 / 0 +').message).toBe('unexpected end of input at 7');
  });
});

describe('evaluateArithmetic: no code execution', () => {
  it.each([
    ['constructor', "unknown identifier 'constructor' at 0"],
    ['__proto__', "unknown identifier '__proto__' at 0"],
    ['toString()', "unknown identifier 'toString' at 0"],
    ['hasOwnProperty(1)', "unknown identifier 'hasOwnProperty' at 0"],
    ['process.exit(1)', "unknown identifier 'process' at 0"],
    ['1 + Math.PI', "unknown identifier 'Math' at 4"],
    ['require("fs")', "unknown identifier 'require' at 0"],
    ['this', "unknown identifier 'this' at 0"],
    ['globalThis', "unknown identifier 'globalThis' at 0"],
    ['a = 1', "unknown identifier 'a' at 0"],
    ['[1]', "unexpected character '[' at 0"],
    ['`1`', "unexpected character '`' at 0"],
    ['1; 2', "unexpected character ';' at 1"],
    ["'1'", "unexpected character ''' at 0"],
  ])('%s is refused', (expression, message) => {
    expect(errorOf(expression).message).toBe(message);
  });
});

describe('evaluateArithmetic: bounds', () => {
  it('refuses input longer than the limit', () => {
    const long = `1${' + 1'.repeat(MAX_EXPRESSION_LENGTH)}`;
    expect(errorOf(long).message).toBe(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  });

  it('accepts a long flat expression within the limit', () => {
    const flat = `1${' + 1'.repeat(200)}`;
    expect(evaluateArithmetic(flat)).toBe(201);
  });

  it('refuses nesting deeper than the limit, with its position', () => {
    const deep = `${'('.repeat(150)}1${')'.repeat(150)}`;
    const error = errorOf(deep);
    expect(error.message).toMatch(/^expression nested deeper than 100 levels at \d+$/);
    expect(evaluateArithmetic(`${'('.repeat(50)}1${')'.repeat(50)}`)).toBe(1);
    expect(errorOf('-'.repeat(300) + '1').message).toMatch(/nested deeper/);
  });

  it('honours custom limits', () => {
    expect(() => parseArithmetic('1 + 1', { maxLength: 3 })).toThrow('expression longer than 3 characters');
    expect(() => parseArithmetic('((1))', { maxDepth: 2 })).toThrow(/nested deeper than 2 levels/);
  });
});

describe('parseArithmetic and tokenizeArithmetic', () => {
  it('builds an AST with operator positions', () => {
    expect(parseArithmetic('1 + 2 * 3')).toEqual({
      kind: 'binary',
      op: '+',
      pos: 2,
      left: { kind: 'number', value: 1, pos: 0 },
      right: {
        kind: 'binary',
        op: '*',
        pos: 6,
        left: { kind: 'number', value: 2, pos: 4 },
        right: { kind: 'number', value: 3, pos: 8 },
      },
    });
  });

  it('tokenizes with positions and reads ** as ^', () => {
    expect(tokenizeArithmetic('2**x(').map((t) => [t.kind, t.text, t.pos])).toEqual([
      ['number', '2', 0],
      ['operator', '^', 1],
      ['name', 'x', 3],
      ['(', '(', 4],
      ['end', '', 5],
    ]);
  });
});
