/**
 * Matches a received value against a scenario pattern (patternSchema, scenario/steps/fields.ts):
 * objects as subsets, arrays element by element, scalars by equality, and `$` operators.
 * Returns every mismatch with its path, expected and received, for a readable diff. Also
 * checks a pattern's operators when a scenario loads (checkPattern).
 */
import type { ScenarioIssue } from '../protocol/index.ts';

export interface Mismatch {
  path: string;
  expected: string;
  received: string;
}

export const PATTERN_OPERATORS = [
  '$regex',
  '$flags',
  '$contains',
  '$type',
  '$exists',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$oneOf',
  '$any',
  '$not',
  '$length',
] as const;
export const PATTERN_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'null'] as const;

const OPERATORS = new Set<string>(PATTERN_OPERATORS);

/** Checks a pattern's operators: unknown ones, bad `$type`s, regexes that do not compile. */
export function checkPattern(pattern: unknown, at: string, issues: ScenarioIssue[]): void {
  if (Array.isArray(pattern)) {
    pattern.forEach((p, i) => checkPattern(p, `${at}[${i}]`, issues));
    return;
  }
  if (pattern === null || typeof pattern !== 'object') return;
  const keys = Object.keys(pattern);
  const ops = keys.filter((k) => k.startsWith('$'));
  const o = pattern as Record<string, unknown>;
  if (ops.length > 0 && ops.length < keys.length) {
    issues.push({ path: at, message: `a pattern object has either operators or fields, not both (${keys.join(', ')})` });
  }
  for (const op of ops) {
    if (!OPERATORS.has(op)) {
      issues.push({ path: `${at}.${op}`, message: `unknown operator ${op} (known: ${PATTERN_OPERATORS.join(', ')})` });
    }
  }
  if ('$regex' in o) {
    const source = o.$regex;
    const flags = o.$flags ?? '';
    if (typeof source !== 'string') issues.push({ path: `${at}.$regex`, message: '$regex must be a string' });
    else if (typeof flags !== 'string' || !/^[dgimsuvy]*$/.test(flags)) issues.push({ path: `${at}.$flags`, message: '$flags: letters of dgimsuvy' });
    else if (!source.includes('{{')) {
      try {
        new RegExp(source, flags);
      } catch (err) {
        issues.push({ path: `${at}.$regex`, message: `not a valid regular expression: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
  } else if ('$flags' in o) {
    issues.push({ path: `${at}.$flags`, message: '$flags needs $regex' });
  }
  if ('$type' in o && !(PATTERN_TYPES as readonly unknown[]).includes(o.$type)) {
    issues.push({ path: `${at}.$type`, message: `$type must be one of ${PATTERN_TYPES.join(', ')}` });
  }
  if ('$oneOf' in o && !Array.isArray(o.$oneOf)) issues.push({ path: `${at}.$oneOf`, message: '$oneOf must be a list of patterns' });
  for (const op of ['$gt', '$gte', '$lt', '$lte'] as const) {
    if (op in o && typeof o[op] !== 'number' && !(typeof o[op] === 'string' && o[op].includes('{{')))
      issues.push({ path: `${at}.${op}`, message: `${op} must be a number` });
  }
  for (const op of ['$not', '$length', '$contains'] as const) if (op in o) checkPattern(o[op], `${at}.${op}`, issues);
  if (Array.isArray(o.$oneOf)) o.$oneOf.forEach((p, i) => checkPattern(p, `${at}.$oneOf[${i}]`, issues));
  for (const key of keys) if (!key.startsWith('$')) checkPattern(o[key], `${at}.${key}`, issues);
}

export function isOperator(pattern: unknown): pattern is Record<string, unknown> {
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) return false;
  const keys = Object.keys(pattern);
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k));
}

export function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

function matchOperator(op: Record<string, unknown>, value: unknown, path: string, out: Mismatch[]): void {
  const fail = (expected: string) => out.push({ path: path || '(value)', expected, received: show(value) });
  // Every operator of the object must hold.
  if ('$exists' in op && (value !== undefined) !== Boolean(op.$exists)) fail(op.$exists ? 'present' : 'absent');
  if ('$any' in op && value === undefined) fail('any value');
  if ('$not' in op) {
    const inner: Mismatch[] = [];
    matchValue(op.$not, value, path, inner);
    if (inner.length === 0) fail(`not ${show(op.$not)}`);
  }
  if ('$type' in op && typeOf(value) !== op.$type) fail(`a value of type ${String(op.$type)}`);
  if ('$regex' in op) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(String(op.$regex), typeof op.$flags === 'string' ? op.$flags : '');
    } catch {
      fail(`a valid $regex (/${String(op.$regex)}/ does not compile)`);
    }
    if (re && (typeof value !== 'string' || !re.test(value))) fail(`a string matching /${String(op.$regex)}/`);
  }
  if ('$contains' in op) {
    const needle = op.$contains;
    const ok =
      // A YAML `$contains: 42` is a number; against text it means the digits.
      (typeof value === 'string' &&
        (typeof needle === 'string' || typeof needle === 'number' || typeof needle === 'boolean') &&
        value.includes(String(needle))) ||
      (Array.isArray(value) && value.some((item) => matches(needle, item)));
    if (!ok) fail(`containing ${show(needle)}`);
  }
  if ('$oneOf' in op) {
    const options = Array.isArray(op.$oneOf) ? op.$oneOf : [];
    if (!options.some((o) => matches(o, value))) fail(`one of ${show(options)}`);
  }
  if ('$length' in op) {
    const len = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
    if (len === undefined) fail(`a string or array of length ${show(op.$length)}`);
    else matchValue(op.$length, len, join(path, 'length'), out);
  }
  const cmp: Array<[string, (a: number, b: number) => boolean, string]> = [
    ['$gt', (a, b) => a > b, '>'],
    ['$gte', (a, b) => a >= b, '>='],
    ['$lt', (a, b) => a < b, '<'],
    ['$lte', (a, b) => a <= b, '<='],
  ];
  for (const [key, test, sign] of cmp) {
    if (key in op) {
      const bound = Number(op[key]);
      if (typeof value !== 'number' || !test(value, bound)) fail(`a number ${sign} ${bound}`);
    }
  }
}

function matchValue(pattern: unknown, value: unknown, path: string, out: Mismatch[]): void {
  if (isOperator(pattern)) {
    matchOperator(pattern, value, path, out);
    return;
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) {
      out.push({ path: path || '(value)', expected: show(pattern), received: show(value) });
      return;
    }
    if (pattern.length !== value.length) {
      out.push({ path: join(path, 'length'), expected: String(pattern.length), received: String(value.length) });
    }
    pattern.forEach((p, i) => {
      if (i < value.length) matchValue(p, value[i], join(path, i), out);
    });
    return;
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.push({ path: path || '(value)', expected: 'an object', received: show(value) });
      return;
    }
    for (const [key, p] of Object.entries(pattern)) {
      matchValue(p, (value as Record<string, unknown>)[key], join(path, key), out);
    }
    return;
  }
  if (pattern !== value) out.push({ path: path || '(value)', expected: show(pattern), received: show(value) });
}

/** `show`, cut to `max` characters (step labels). */
export function short(value: unknown, max = 80): string {
  const text = show(value);
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** Every mismatch between a pattern and a value (empty when it matches). */
export function mismatches(pattern: unknown, value: unknown, basePath = ''): Mismatch[] {
  const out: Mismatch[] = [];
  if (pattern === undefined) return out;
  matchValue(pattern, value, basePath, out);
  return out;
}

export function matches(pattern: unknown, value: unknown): boolean {
  return mismatches(pattern, value).length === 0;
}
