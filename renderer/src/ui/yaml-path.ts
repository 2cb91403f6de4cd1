/**
 * Where the cursor is in a block-style YAML document, from indentation alone (no parse of the
 * whole text): the path of keys and list items that leads to it, whether a key or a value is
 * being typed, and the keys beside it in the same mapping. Only the lines from the cursor up
 * to its top-level key are read (and a bounded window below for sibling keys), so it costs the
 * same at the top of a 20,000-line file as in a 20-line one. Keys are found with the editor's
 * tokenizer (yaml-tokens.ts). Flow style (`{a: 1}`) and block scalars are not descended into,
 * except by the hover in a one-line flow mapping (`- send: { as: a, save_as: r1 }`).
 */
import { yamlLineTokens } from './yaml-tokens.ts';

/** A key of a mapping, or the index of a list item. */
export type YamlPathSegment = string | number;

export interface YamlCursorContext {
  /** The parents of what is typed: `['steps', 0, 'send']` while typing a key of a send step. */
  path: YamlPathSegment[];
  /**
   * `key`: typing a key (or an empty line), `value`: after `key: ` on the same line, `none`:
   * elsewhere (inside a flow collection, in a value after its first word).
   */
  kind: 'key' | 'value' | 'none';
  /** For `value`: the key whose value is typed. */
  key?: string;
  /** The word typed so far and where it starts in the document. */
  prefix: string;
  from: number;
  /** The keys already in the mapping being typed into (for `key`; without the one typed). */
  siblings: string[];
}

/** Line access the resolver needs (a CodeMirror `Text` has it; so does `linesOf`). */
export interface YamlLines {
  readonly lines: number;
  /** 1-based. */
  line(n: number): { from: number; text: string };
  lineAt(pos: number): { from: number; number: number; text: string };
}

/** Sibling keys are looked for this many lines below the cursor at most. */
const SIBLING_WINDOW = 400;
/** A line's leading key is looked for in this many characters. */
const KEY_SCAN = 256;

/** The structure at the start of a line: `- ` markers, then a key, each with its column. */
interface LineShape {
  /** Columns of the `- ` markers, left to right. */
  dashes: number[];
  key?: { name: string; column: number; hasValue: boolean };
  /** Column of the first structural element (a dash or a key), or -1 for a blank or comment line. */
  first: number;
}

function shapeOf(text: string): LineShape {
  let i = 0;
  while (i < text.length && text[i] === ' ') i += 1;
  if (i >= text.length || text[i] === '#') return { dashes: [], first: -1 };
  const dashes: number[] = [];
  while (text[i] === '-' && (i + 1 === text.length || text[i + 1] === ' ')) {
    dashes.push(i);
    i += 1;
    while (i < text.length && text[i] === ' ') i += 1;
  }
  const shape: LineShape = { dashes, first: dashes[0] ?? i };
  // A key starts the rest of the line; a long line (a HAR string) is read no further than that.
  const token = yamlLineTokens(text.slice(i, i + KEY_SCAN)).find((t) => t.kind === 'key' || t.kind === 'string');
  if (token?.kind === 'key' && token.from === 0) {
    const name = text.slice(i + token.from, i + token.to);
    const colon = text.indexOf(':', i + token.to);
    const rest = text.slice(colon + 1).trim();
    shape.key = { name, column: i, hasValue: rest !== '' && !rest.startsWith('#') };
  }
  return shape;
}

/** A document as lines, for callers that hold a string (tests, Node). */
export function linesOf(text: string): YamlLines {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  const lineText = (n: number) => text.slice(starts[n - 1], n < starts.length ? (starts[n] as number) - 1 : text.length);
  return {
    lines: starts.length,
    line: (n) => ({ from: starts[n - 1] as number, text: lineText(n) }),
    lineAt: (pos) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= pos) lo = mid;
        else hi = mid - 1;
      }
      return { from: starts[lo] as number, number: lo + 1, text: lineText(lo + 1) };
    },
  };
}

/**
 * The parents of a structural element at `column` on line `lineNo`, which is a key (`isDash`
 * false) or a list item marker. Walks up: lines deeper than the element are inside earlier
 * siblings, lines at its column are siblings (list items are counted for the index), the first
 * line with something left of it holds the parent.
 */
function parentsOf(doc: YamlLines, lineNo: number, column: number, isDash: boolean, into: YamlPathSegment[], siblings?: string[]): void {
  let index = 0;
  // A top-level key has no parent: only its siblings nearby are read.
  const first = column === 0 && !isDash ? Math.max(1, lineNo - SIBLING_WINDOW) : 1;
  for (let n = lineNo - 1; n >= first; n -= 1) {
    const text = doc.line(n).text;
    // Deeper lines and sibling items are passed without the tokenizer.
    let indent = 0;
    while (indent < text.length && text.charCodeAt(indent) === 0x20) indent += 1;
    if (indent > column || indent === text.length) continue;
    if (indent === column && isDash && text.charCodeAt(indent) === 0x2d && (indent + 1 === text.length || text.charCodeAt(indent + 1) === 0x20)) {
      index += 1;
      continue;
    }
    const shape = shapeOf(text);
    if (shape.first === -1 || shape.first > column) continue;
    if (shape.first === column) {
      if (isDash && shape.dashes.length > 0) {
        index += 1;
        continue;
      }
      // `key:` with the list at its own column (`steps:\n- send: ...`)
      if (isDash && shape.key && shape.key.column === column && !shape.key.hasValue) {
        into.unshift(index);
        into.unshift(shape.key.name);
        parentsOf(doc, n, column, false, into);
        return;
      }
      if (!isDash && shape.key && shape.dashes.length === 0) {
        siblings?.push(shape.key.name);
        continue;
      }
      if (!isDash) continue;
    }
    // This line holds the parent: the innermost element left of `column`.
    if (isDash) into.unshift(index);
    if (shape.key && shape.key.column < column) {
      into.unshift(shape.key.name);
      if (shape.dashes.length > 0) {
        parentsOfDash(doc, n, shape.dashes, shape.dashes.length - 1, into);
        return;
      }
      parentsOf(doc, n, shape.key.column, false, into);
      return;
    }
    // A dash left of the column and no key before it: the element is a key of that item's mapping
    // (`- name: x` then `  send: ...`), or a nested list item.
    const dashes = shape.dashes.filter((d) => d < column);
    if (dashes.length > 0) {
      if (!isDash && shape.key && shape.key.column === column) siblings?.push(shape.key.name);
      parentsOfDash(doc, n, shape.dashes, dashes.length - 1, into);
      return;
    }
    return;
  }
  if (isDash) into.unshift(index);
}

/** The parents of the `j`th `- ` marker of line `lineNo`: a marker after another on the same line is that item's first item. */
function parentsOfDash(doc: YamlLines, lineNo: number, dashes: readonly number[], j: number, into: YamlPathSegment[]): void {
  for (let k = j; k > 0; k -= 1) into.unshift(0);
  parentsOf(doc, lineNo, dashes[0] as number, true, into);
}

/** Keys at `column` below line `lineNo` in the same mapping (stops at the first line left of it). */
function siblingsBelow(doc: YamlLines, lineNo: number, column: number, into: string[]): void {
  const last = Math.min(doc.lines, lineNo + SIBLING_WINDOW);
  for (let n = lineNo + 1; n <= last; n += 1) {
    const shape = shapeOf(doc.line(n).text);
    if (shape.first === -1 || shape.first > column) continue;
    if (shape.first < column) return;
    if (shape.dashes.length > 0) return;
    if (shape.key) into.push(shape.key.name);
  }
}

/** The context of the cursor at `pos` (see YamlCursorContext). */
export function yamlCursorContext(doc: YamlLines, pos: number): YamlCursorContext {
  const line = doc.lineAt(pos);
  const before = line.text.slice(0, pos - line.from);
  const prefixMatch = /[\w$.-]*$/.exec(before);
  const prefix = prefixMatch ? prefixMatch[0] : '';
  const from = pos - prefix.length;
  const shape = shapeOf(before.slice(0, before.length - prefix.length) + (prefix || 'x'));
  const path: YamlPathSegment[] = [];
  const siblings: string[] = [];
  // After `key:` on this line: a value of that key.
  const valueMatch = /^(\s*(?:-\s+)*)([A-Za-z_$][\w$.-]*)\s*:\s+(?:["']?)([\w$.-]*)$/.exec(before);
  if (valueMatch) {
    const column = (valueMatch[1] as string).length;
    const key = valueMatch[2] as string;
    const dashes = shapeOf(before).dashes;
    if (dashes.length > 0) parentsOfDash(doc, line.number, dashes, dashes.length - 1, path);
    else parentsOf(doc, line.number, column, false, path);
    return { path, kind: 'value', key, prefix: valueMatch[3] as string, from: pos - (valueMatch[3] as string).length, siblings };
  }
  // Anything else before the word than indentation and list dashes (a flow mapping `{ a|`, a
  // plain value with spaces `name: two wo|`): nothing the schema can say from here.
  if (!/^\s*(?:-\s+)*$/.test(before.slice(0, before.length - prefix.length))) return { path, kind: 'none', prefix, from, siblings };
  // Typing a key: its column is where the prefix starts.
  const column = from - line.from;
  const dashes = shape.dashes.filter((d) => d < column);
  if (dashes.length > 0) {
    parentsOfDash(doc, line.number, shape.dashes, dashes.length - 1, path);
  } else {
    parentsOf(doc, line.number, column, false, path, siblings);
  }
  siblingsBelow(doc, line.number, column, siblings);
  return { path, kind: 'key', prefix, from, siblings: siblings.filter((s) => s !== prefix) };
}

/**
 * The path inside a flow value from `start` (just after a key's colon) to a key at `end` on the
 * same line: `{ message: { type` gives `['message']`, `[{ a: 1 }, { b` gives `[1]`.
 * Undefined when `end` is not directly in a flow mapping (or quotes or brackets do not match).
 */
function flowPath(text: string, start: number, end: number): YamlPathSegment[] | undefined {
  if (start <= 0) return undefined;
  // each open bracket, with the segment that leads into it and its current key or item index
  const stack: Array<{ map: boolean; via?: YamlPathSegment; key?: string; index: number }> = [];
  let word = '';
  for (let i = start; i < end; i += 1) {
    const c = text[i] as string;
    const top = stack[stack.length - 1];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0 || close >= end) return undefined;
      word = text.slice(i + 1, close);
      i = close;
    } else if (c === '{' || c === '[') {
      stack.push({ map: c === '{', ...(top ? { via: top.map ? top.key : top.index } : {}), index: 0 });
      word = '';
    } else if (c === '}' || c === ']') {
      stack.pop();
      word = '';
    } else if (c === ':' && top?.map) {
      top.key = word.trim();
      word = '';
    } else if (c === ',') {
      if (top && !top.map) top.index += 1;
      word = '';
    } else if (/[\w$.-]/.test(c)) {
      word = /[\w$.-]$/.test(text[i - 1] ?? '') ? word + c : c;
    }
  }
  if (!stack[stack.length - 1]?.map) return undefined;
  const path: YamlPathSegment[] = [];
  for (const frame of stack) if (frame.via !== undefined) path.push(frame.via);
  return path.length === stack.length - 1 ? path : undefined;
}

/** The path of the key at `pos` (for hover), with that key last; undefined when `pos` is not on a key. */
export function yamlKeyPathAt(doc: YamlLines, pos: number): { path: YamlPathSegment[]; from: number; to: number } | undefined {
  const line = doc.lineAt(pos);
  const offset = pos - line.from;
  const shape = shapeOf(line.text);
  const token = yamlLineTokens(line.text).find((t) => t.kind === 'key' && t.from <= offset && offset <= t.to);
  if (!token) return undefined;
  const name = line.text.slice(token.from, token.to);
  const path: YamlPathSegment[] = [];
  if (shape.key && shape.key.column === token.from) {
    const dashes = shape.dashes;
    if (dashes.length > 0) parentsOfDash(doc, line.number, dashes, dashes.length - 1, path);
    else parentsOf(doc, line.number, token.from, false, path);
  } else {
    // A key in a one-line flow mapping after the line's own key (`- send: { as: a, save_as: r1 }`).
    const inFlow = shape.key ? flowPath(line.text, line.text.indexOf(':', shape.key.column + shape.key.name.length) + 1, token.from) : undefined;
    if (!shape.key || !inFlow) return undefined;
    const dashes = shape.dashes;
    if (dashes.length > 0) parentsOfDash(doc, line.number, dashes, dashes.length - 1, path);
    else parentsOf(doc, line.number, shape.key.column, false, path);
    path.push(shape.key.name, ...inFlow);
  }
  path.push(name);
  return { path, from: line.from + token.from, to: line.from + token.to };
}

/**
 * The indentation of a new line started by Enter at the end of `before` (a line's text up to
 * the cursor): one level (2) deeper than a key that opens a block (`steps:`, `send:`,
 * `description: |`), at the keys of a list item after `- key: value` (`- ` alone: after the
 * dash), else as the line.
 */
export function yamlNewlineIndent(before: string): number {
  const shape = shapeOf(before);
  if (shape.first === -1) return before.length - before.trimStart().length;
  const trimmed = before.trimEnd();
  if (shape.key && (!shape.key.hasValue || /:\s+[|>][-+]?\d?$/.test(trimmed))) return shape.key.column + 2;
  if (shape.dashes.length > 0) {
    const last = shape.dashes[shape.dashes.length - 1] as number;
    return shape.key?.column ?? last + 2;
  }
  return shape.first;
}
