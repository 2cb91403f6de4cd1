/**
 * Finds arithmetic expressions inside free text, for the assistant's tool choice:
 * "what is 2 + 2 * 3?" → ["2 + 2 * 3"], "sqrt(16) + 1 please" → ["sqrt(16) + 1"].
 *
 * The text is scanned into tokens; a candidate is a maximal run of numbers, known function
 * or constant names, operators, parentheses, commas and spaces (any other word, a newline
 * or punctuation ends it). Candidates are split at top-level commas, trimmed of dangling
 * operators and unmatched parentheses, and kept when they parse and contain a binary
 * operator or a function call (so "8192" or "-5" alone are not calculations). Numbers with
 * a leading zero ("2026-01-05", "007") are taken for dates and codes, not arithmetic.
 * Operator words between operands are read as operators: "6 times 7" → "6 * 7".
 */
import { KNOWN_NAMES, parseArithmetic, type ArithmeticNode } from './tools/arithmetic-evaluator.ts';

export const MAX_EXPRESSIONS = 3;

const NAME_ALTERNATION = [...KNOWN_NAMES].join('|');
const OPERATOR_WORDS: ReadonlyArray<[string, string]> = [
  ['multiplied\\s+by', '*'],
  ['divided\\s+by', '/'],
  ['to\\s+the\\s+power\\s+of', '^'],
  ['plus', '+'],
  ['minus', '-'],
  ['times', '*'],
  ['over', '/'],
  ['modulo', '%'],
  ['mod', '%'],
];
// Operand end, spaces, the word, then (looking ahead) an operand start. No lookbehind: a
// variable-length lookbehind would rescan long runs of spaces at every position.
const OPERATOR_WORD_PATTERNS: ReadonlyArray<[RegExp, string]> = OPERATOR_WORDS.map(([word, op]) => [
  new RegExp(`([\\d)]\\s*)\\b${word}\\b(?=\\s*(?:[\\d(.+-]|(?:${NAME_ALTERNATION})\\b))`, 'gi'),
  `$1${op}`,
]);

const SCAN = /(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|[-+*/%^(),])|([ \t]+)|([\s\S])/y;

function normalizeOperators(text: string): string {
  let out = text.replace(/×/g, '*').replace(/÷/g, '/').replace(/−/g, '-');
  for (const [pattern, op] of OPERATOR_WORD_PATTERNS) out = out.replace(pattern, op);
  return out;
}

/** Maximal runs of expression-like tokens. */
function candidateRuns(text: string): string[] {
  const runs: string[] = [];
  let current = '';
  const flush = (): void => {
    if (current.trim() !== '') runs.push(current);
    current = '';
  };
  SCAN.lastIndex = 0;
  let match: RegExpExecArray | null;
  while ((match = SCAN.exec(text)) !== null) {
    const [token, number, name, operator, space] = match;
    if (number !== undefined || operator !== undefined || space !== undefined) current += token;
    else if (name !== undefined && KNOWN_NAMES.has(name.toLowerCase())) current += token;
    else flush();
  }
  flush();
  return runs;
}

/** Splits at commas outside parentheses. */
function splitTopLevel(run: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < run.length; i += 1) {
    const ch = run.charAt(i);
    if (ch === '(') depth += 1;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      pieces.push(run.slice(start, i));
      start = i + 1;
    }
  }
  pieces.push(run.slice(start));
  return pieces;
}

/** Replaces parentheses without a partner by spaces (so neighbours never merge). */
function dropUnmatchedParens(text: string): string {
  const chars = [...text];
  const open: number[] = [];
  chars.forEach((ch, i) => {
    if (ch === '(') open.push(i);
    else if (ch === ')') {
      if (open.length > 0) open.pop();
      else chars[i] = ' ';
    }
  });
  for (const i of open) chars[i] = ' ';
  return chars.join('');
}

const DANGLING_START = new Set([...'+*/%^),']);
const DANGLING_END = new Set([...'-+*/%^(,.']);

/** Drops what cannot start or end an expression (a linear scan: no backtracking regex). */
function trimDangling(text: string): string {
  let start = 0;
  let end = text.length;
  const isSpace = (ch: string): boolean => /\s/.test(ch);
  while (start < end && (isSpace(text.charAt(start)) || DANGLING_START.has(text.charAt(start)))) start += 1;
  while (end > start && (isSpace(text.charAt(end - 1)) || DANGLING_END.has(text.charAt(end - 1)))) end -= 1;
  return text.slice(start, end);
}

function clean(piece: string): string {
  return trimDangling(dropUnmatchedParens(trimDangling(piece))).replace(/\s+/g, ' ');
}

function isCalculation(node: ArithmeticNode): boolean {
  switch (node.kind) {
    case 'binary':
    case 'call':
      return true;
    case 'unary':
      return isCalculation(node.operand);
    default:
      return false;
  }
}

function accept(candidate: string): boolean {
  if (candidate === '' || /(?<![\d.])0\d/.test(candidate)) return false;
  try {
    return isCalculation(parseArithmetic(candidate));
  } catch {
    return false;
  }
}

/** The arithmetic expressions in `text`, in order of appearance, without duplicates. */
export function extractArithmeticExpressions(text: string, max = MAX_EXPRESSIONS): string[] {
  const found: string[] = [];
  for (const run of candidateRuns(normalizeOperators(text))) {
    for (const piece of splitTopLevel(run)) {
      const candidate = clean(piece);
      if (found.length < max && !found.includes(candidate) && accept(candidate)) found.push(candidate);
    }
  }
  return found;
}
