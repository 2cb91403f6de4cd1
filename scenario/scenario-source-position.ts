/**
 * Where a scenario issue is in its source text: the path of a validation issue
 * (`steps[4].send.as`) is resolved against the document with the `yaml` package's positions
 * (JSON is read as YAML, which keeps them), and a syntax error's own `line L:C` is taken as it
 * is. A path into a key that is missing points at the deepest part that exists (the step
 * without its `as`). As a line and column (1-based) for the CLI, as a range of the text for the
 * console's editor. Pure: the CLI and the console both use it.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { Scenario, ScenarioIssue, ScenarioStep } from './scenario-schema.ts';

export interface SourcePosition {
  line: number;
  column: number;
}

/** Offsets into the text, `to` exclusive. */
export interface TextRange {
  from: number;
  to: number;
}

export type LocatedIssue = ScenarioIssue & Partial<SourcePosition>;

/** `steps[3].send.as` → ['steps', 3, 'send', 'as']. */
export function issuePathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}

const SYNTAX_PATH = /^line (\d+):(\d+)$/;

/** The source range of what a path names (a key, or a list item), or of the deepest part of it that exists. */
function resolvePath(doc: Document, path: string): [number, number] | undefined {
  let node: unknown = doc.contents;
  let best: [number, number] | undefined = rangeOf(node as Node | null);
  for (const seg of issuePathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair || !isScalar(pair.key) || !pair.key.range) break;
      best = [pair.key.range[0], pair.key.range[1]];
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item?.range) break;
      best = [item.range[0], item.range[1]];
      node = item;
    } else break;
  }
  return best;
}

function rangeOf(node: Node | null | undefined): [number, number] | undefined {
  return node?.range ? [node.range[0], node.range[1]] : undefined;
}

function parse(text: string, lineCounter?: LineCounter): Document | undefined {
  try {
    return parseDocument(text, { keepSourceTokens: false, ...(lineCounter ? { lineCounter } : {}) });
  } catch {
    return undefined;
  }
}

/** A parsed document that answers many paths (parse once per file). */
export function sourceLocator(text: string): (path: string) => SourcePosition | undefined {
  const lineCounter = new LineCounter();
  const doc = parse(text, lineCounter);
  return (path) => {
    const syntax = SYNTAX_PATH.exec(path);
    if (syntax) return { line: Number(syntax[1]), column: Number(syntax[2]) };
    if (!doc) return undefined;
    const range = path === '(root)' || path === '(document)' ? rangeOf(doc.contents) : resolvePath(doc, path);
    if (range === undefined) return undefined;
    const p = lineCounter.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
}

/** A range that stays on the line it starts on, at least one character wide, so an underline marks the spot, not the whole block. */
function lineRange(text: string, from: number, to = from): TextRange {
  const start = Math.max(0, Math.min(from, text.length));
  const eol = text.indexOf('\n', start);
  const lineEnd = eol === -1 ? text.length : eol;
  return { from: start, to: Math.max(start, Math.min(Math.max(to, start + 1), lineEnd)) };
}

/** The range of the text an issue's path marks (the editor underlines it); the first line when the path finds nothing. */
export function issueTextRange(text: string, path: string): TextRange {
  const syntax = SYNTAX_PATH.exec(path);
  if (syntax) {
    const lines = text.split('\n');
    const n = Math.min(Math.max(1, Number(syntax[1])), lines.length);
    let offset = 0;
    for (let i = 0; i < n - 1; i++) offset += (lines[i] as string).length + 1;
    const col = Math.min(Math.max(1, Number(syntax[2])), (lines[n - 1]?.length ?? 0) + 1);
    return lineRange(text, offset + col - 1, offset + (lines[n - 1]?.length ?? 0));
  }
  const doc = parse(text);
  const range = doc ? resolvePath(doc, path) : undefined;
  return range ? lineRange(text, range[0], range[1]) : lineRange(text, 0, text.length);
}

/** The issues with their line and column added where the text has them. */
export function locateIssues(text: string, issues: readonly ScenarioIssue[]): LocatedIssue[] {
  const locate = sourceLocator(text);
  return issues.map((issue) => {
    const pos = locate(issue.path);
    return pos ? { ...issue, ...pos } : { ...issue };
  });
}

/**
 * One line per issue, compiler style so terminals and CI link it: `file:line:column: path: message`
 * (a syntax error's path is its position, so it is not repeated).
 */
export function formatLocatedIssues(file: string, issues: readonly LocatedIssue[]): string {
  return issues
    .map((i) => {
      if (i.line === undefined) return `${file}: ${i.path}: ${i.message}`;
      const where = `${file}:${i.line}:${i.column ?? 1}`;
      return SYNTAX_PATH.test(i.path) ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
    })
    .join('\n');
}

/**
 * The document path of a step result's id: `4` → `steps[3]`, `4.2.1` inside a repeat (its
 * iteration 2) → `steps[3].repeat.steps[0]`, inside a parallel (its branch 2) →
 * `steps[3].parallel[1][0]`; an iteration or branch itself → its group's path. Undefined
 * when the id does not fit the scenario.
 */
export function stepSourcePath(scenario: Pick<Scenario, 'steps'>, id: string): string | undefined {
  const parts = id.split('.').map(Number);
  if (parts.some((n) => !Number.isInteger(n) || n < 1)) return undefined;
  let list: readonly ScenarioStep[] = scenario.steps;
  let path = 'steps';
  for (let i = 0; i < parts.length;) {
    const step = list[(parts[i] as number) - 1];
    if (!step) return undefined;
    path = `${path}[${(parts[i] as number) - 1}]`;
    i++;
    if (i >= parts.length) return path;
    // The next part is an iteration (repeat) or a branch (parallel); the one after, a step in it.
    const group = parts[i] as number;
    i++;
    if (step.repeat) {
      if (group > step.repeat.times) return undefined;
      list = step.repeat.steps;
      path = `${path}.repeat.steps`;
    } else if (step.parallel) {
      const branch = step.parallel[group - 1];
      if (!branch) return undefined;
      list = branch;
      path = `${path}.parallel[${group - 1}]`;
    } else return undefined;
    if (i >= parts.length) return path.replace(/\.repeat\.steps$|\.parallel\[\d+\]$/, '');
  }
  return path;
}
