/**
 * A safe arithmetic evaluator: a tokenizer, a recursive-descent parser producing a small
 * AST, and an evaluator over that AST. No eval, no Function, no property lookups on
 * user-supplied names (functions and constants live in Maps, so `constructor` or
 * `__proto__` are simply unknown identifiers).
 *
 * Grammar (lowest to highest precedence):
 *   expression := additive
 *   additive   := multiplicative (('+' | '-') multiplicative)*
 *   multiplicative := unary (('*' | '/' | '%') unary)*
 *   unary      := ('+' | '-') unary | power
 *   power      := primary ('^' unary)?          right-associative; -2^2 = -4, 2^-1 = 0.5
 *   primary    := number | constant | name '(' expression (',' expression)* ')' | '(' expression ')'
 *
 * `**` is accepted as an alias of `^`. Names are case-insensitive. Positions in error
 * messages are 0-based character offsets into the input ("unexpected ')' at 7").
 */

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_EXPRESSION_DEPTH = 100;

export class ArithmeticError extends Error {
  /** 0-based offset of the offending character, or null when the error has no position. */
  readonly position: number | null;

  constructor(message: string, position: number | null = null) {
    super(position === null ? message : `${message} at ${position}`);
    this.name = 'ArithmeticError';
    this.position = position;
  }
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '^';
export type UnaryOperator = '+' | '-';

export type ArithmeticNode =
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'constant'; name: string; value: number; pos: number }
  | { kind: 'unary'; op: UnaryOperator; operand: ArithmeticNode; pos: number }
  | { kind: 'binary'; op: BinaryOperator; left: ArithmeticNode; right: ArithmeticNode; pos: number }
  | { kind: 'call'; name: string; args: ArithmeticNode[]; pos: number };

// ---- names ----

const CONSTANTS: ReadonlyMap<string, number> = new Map([
  ['pi', Math.PI],
  ['e', Math.E],
]);

interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  apply(args: number[], pos: number): number;
}

function positive(name: string, x: number, pos: number): number {
  if (x <= 0) throw new ArithmeticError(`${name} of a non-positive number`, pos);
  return x;
}

function roundHalfAwayFromZero(x: number, digits: number, pos: number): number {
  if (!Number.isInteger(digits) || digits < 0 || digits > 15) {
    throw new ArithmeticError('round digits must be an integer from 0 to 15', pos);
  }
  const factor = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * factor)) / factor;
}

const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  [
    'sqrt',
    {
      minArgs: 1,
      maxArgs: 1,
      apply: ([x = 0], pos) => {
        if (x < 0) throw new ArithmeticError('sqrt of a negative number', pos);
        return Math.sqrt(x);
      },
    },
  ],
  ['abs', { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.abs(x) }],
  ['min', { minArgs: 1, maxArgs: 100, apply: (args) => Math.min(...args) }],
  ['max', { minArgs: 1, maxArgs: 100, apply: (args) => Math.max(...args) }],
  ['round', { minArgs: 1, maxArgs: 2, apply: ([x = 0, digits = 0], pos) => roundHalfAwayFromZero(x, digits, pos) }],
  ['floor', { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.floor(x) }],
  ['ceil', { minArgs: 1, maxArgs: 1, apply: ([x = 0]) => Math.ceil(x) }],
  ['ln', { minArgs: 1, maxArgs: 1, apply: ([x = 0], pos) => Math.log(positive('ln', x, pos)) }],
  // log(x) is base 10; log(x, base) uses the given base.
  [
    'log',
    {
      minArgs: 1,
      maxArgs: 2,
      apply: ([x = 0, base], pos) => {
        positive('log', x, pos);
        if (base === undefined) return Math.log10(x);
        if (base <= 0 || base === 1) throw new ArithmeticError('log base must be positive and not 1', pos);
        return Math.log(x) / Math.log(base);
      },
    },
  ],
]);

/** Function and constant names the evaluator knows (lowercase). */
export const KNOWN_NAMES: ReadonlySet<string> = new Set([...FUNCTIONS.keys(), ...CONSTANTS.keys()]);

// ---- tokenizer ----

type TokenKind = 'number' | 'name' | 'operator' | '(' | ')' | ',' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

const NUMBER_PATTERN = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NAME_PATTERN = /[A-Za-z_][A-Za-z0-9_]*/y;

function matchAt(pattern: RegExp, input: string, pos: number): string | null {
  pattern.lastIndex = pos;
  const match = pattern.exec(input);
  return match ? match[0] : null;
}

/**
 * Reads tokens one at a time, so that errors come in reading order: in
 * "process.exit(1)" the unknown name at 0 is reported before the stray '.' at 7.
 */
class Lexer {
  private pos = 0;

  constructor(private readonly input: string) {}

  next(): Token {
    const input = this.input;
    while (this.pos < input.length && /\s/.test(input.charAt(this.pos))) this.pos += 1;
    const pos = this.pos;
    if (pos >= input.length) return { kind: 'end', text: '', pos: input.length };
    const number = matchAt(NUMBER_PATTERN, input, pos);
    if (number !== null) return this.take({ kind: 'number', text: number, pos }, number.length);
    const name = matchAt(NAME_PATTERN, input, pos);
    if (name !== null) return this.take({ kind: 'name', text: name, pos }, name.length);
    const ch = input.charAt(pos);
    if (ch === '*' && input.charAt(pos + 1) === '*') return this.take({ kind: 'operator', text: '^', pos }, 2);
    if ('+-*/%^'.includes(ch)) return this.take({ kind: 'operator', text: ch, pos }, 1);
    if (ch === '(' || ch === ')' || ch === ',') return this.take({ kind: ch, text: ch, pos }, 1);
    throw new ArithmeticError(`unexpected character '${ch}'`, pos);
  }

  private take(token: Token, length: number): Token {
    this.pos += length;
    return token;
  }
}

/** All tokens of `input`, ending with an 'end' token; throws on a bad character. */
export function tokenizeArithmetic(input: string): Token[] {
  const lexer = new Lexer(input);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === 'end') return tokens;
  }
}

// ---- parser ----

export interface ParseOptions {
  maxLength?: number;
  maxDepth?: number;
}

class Parser {
  /** The lookahead token, read only when needed (so errors come in reading order). */
  private current: Token | undefined;
  private depth = 0;

  constructor(
    private readonly lexer: Lexer,
    private readonly maxDepth: number,
  ) {}

  parse(): ArithmeticNode {
    const node = this.parseAdditive();
    this.expect('end');
    return node;
  }

  private peek(): Token {
    this.current ??= this.lexer.next();
    return this.current;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.current = undefined;
    return token;
  }

  private unexpected(token: Token): ArithmeticError {
    if (token.kind === 'end') return new ArithmeticError('unexpected end of input', token.pos);
    if (token.kind === 'name' && !KNOWN_NAMES.has(token.text.toLowerCase())) {
      return new ArithmeticError(`unknown identifier '${token.text}'`, token.pos);
    }
    return new ArithmeticError(`unexpected '${token.text}'`, token.pos);
  }

  private expect(kind: TokenKind): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.unexpected(token);
    return this.next();
  }

  private isOperator(...ops: string[]): boolean {
    const token = this.peek();
    return token.kind === 'operator' && ops.includes(token.text);
  }

  private parseAdditive(): ArithmeticNode {
    let left = this.parseMultiplicative();
    while (this.isOperator('+', '-')) {
      const op = this.next();
      const right = this.parseMultiplicative();
      left = { kind: 'binary', op: op.text as BinaryOperator, left, right, pos: op.pos };
    }
    return left;
  }

  private parseMultiplicative(): ArithmeticNode {
    let left = this.parseUnary();
    while (this.isOperator('*', '/', '%')) {
      const op = this.next();
      const right = this.parseUnary();
      left = { kind: 'binary', op: op.text as BinaryOperator, left, right, pos: op.pos };
    }
    return left;
  }

  private parseUnary(): ArithmeticNode {
    this.depth += 1;
    try {
      if (this.depth > this.maxDepth) {
        throw new ArithmeticError(`expression nested deeper than ${this.maxDepth} levels`, this.peek().pos);
      }
      if (this.isOperator('+', '-')) {
        const op = this.next();
        const operand = this.parseUnary();
        return { kind: 'unary', op: op.text as UnaryOperator, operand, pos: op.pos };
      }
      return this.parsePower();
    } finally {
      this.depth -= 1;
    }
  }

  private parsePower(): ArithmeticNode {
    const base = this.parsePrimary();
    if (!this.isOperator('^')) return base;
    const op = this.next();
    const exponent = this.parseUnary();
    return { kind: 'binary', op: '^', left: base, right: exponent, pos: op.pos };
  }

  private parsePrimary(): ArithmeticNode {
    const token = this.next();
    switch (token.kind) {
      case 'number': {
        const value = Number(token.text);
        if (!Number.isFinite(value)) throw new ArithmeticError('number out of range', token.pos);
        return { kind: 'number', value, pos: token.pos };
      }
      case 'name':
        return this.parseName(token);
      case '(': {
        const inner = this.parseAdditive();
        this.expect(')');
        return inner;
      }
      default:
        throw this.unexpected(token);
    }
  }

  private parseName(token: Token): ArithmeticNode {
    const name = token.text.toLowerCase();
    const constant = CONSTANTS.get(name);
    const fn = FUNCTIONS.get(name);
    if (constant === undefined && fn === undefined) {
      throw new ArithmeticError(`unknown identifier '${token.text}'`, token.pos);
    }
    const isCall = this.peek().kind === '(';
    if (constant !== undefined) {
      if (isCall) throw new ArithmeticError(`'${token.text}' is not a function`, token.pos);
      return { kind: 'constant', name, value: constant, pos: token.pos };
    }
    if (fn === undefined) throw new ArithmeticError(`unknown identifier '${token.text}'`, token.pos);
    if (!isCall) throw new ArithmeticError(`function '${token.text}' needs '(' after it`, token.pos);
    this.next();
    const args: ArithmeticNode[] = [];
    if (this.peek().kind !== ')') {
      args.push(this.parseAdditive());
      while (this.peek().kind === ',') {
        this.next();
        args.push(this.parseAdditive());
      }
    }
    this.expect(')');
    if (args.length < fn.minArgs || args.length > fn.maxArgs) {
      const expected = fn.minArgs === fn.maxArgs ? `${fn.minArgs}` : `${fn.minArgs} to ${fn.maxArgs}`;
      throw new ArithmeticError(`${name} expects ${expected} argument${fn.maxArgs === 1 ? '' : 's'}, got ${args.length}`, token.pos);
    }
    return { kind: 'call', name, args, pos: token.pos };
  }
}

/** Parses an expression into an AST; throws ArithmeticError on bad input. */
export function parseArithmetic(input: string, options: ParseOptions = {}): ArithmeticNode {
  const maxLength = options.maxLength ?? MAX_EXPRESSION_LENGTH;
  if (input.length > maxLength) throw new ArithmeticError(`expression longer than ${maxLength} characters`);
  if (input.trim() === '') throw new ArithmeticError('empty expression');
  return new Parser(new Lexer(input), options.maxDepth ?? MAX_EXPRESSION_DEPTH).parse();
}

// ---- evaluator ----

function checked(value: number, pos: number): number {
  if (Number.isNaN(value)) throw new ArithmeticError('result is not a real number', pos);
  if (!Number.isFinite(value)) throw new ArithmeticError('result is not finite', pos);
  return value;
}

function applyBinary(op: BinaryOperator, a: number, b: number, pos: number): number {
  switch (op) {
    case '+':
      return checked(a + b, pos);
    case '-':
      return checked(a - b, pos);
    case '*':
      return checked(a * b, pos);
    case '/':
      if (b === 0) throw new ArithmeticError('division by zero', pos);
      return checked(a / b, pos);
    case '%':
      if (b === 0) throw new ArithmeticError('modulo by zero', pos);
      return checked(a % b, pos);
    case '^':
      return checked(a ** b, pos);
  }
}

/** Evaluates an AST produced by parseArithmetic. Every intermediate value is finite. */
export function evaluateNode(node: ArithmeticNode): number {
  switch (node.kind) {
    case 'number':
    case 'constant':
      return node.value;
    case 'unary': {
      const value = evaluateNode(node.operand);
      return node.op === '-' ? -value : value;
    }
    case 'binary':
      return applyBinary(node.op, evaluateNode(node.left), evaluateNode(node.right), node.pos);
    case 'call': {
      const fn = FUNCTIONS.get(node.name);
      if (fn === undefined) throw new ArithmeticError(`unknown identifier '${node.name}'`, node.pos);
      return checked(fn.apply(node.args.map(evaluateNode), node.pos), node.pos);
    }
  }
}

/** Parses and evaluates; the result is always a finite number (never -0). */
export function evaluateArithmetic(input: string, options: ParseOptions = {}): number {
  const value = evaluateNode(parseArithmetic(input, options));
  return value === 0 ? 0 : value;
}
