/**
 * Where a scenario issue is in its source text, as a line and column (1-based): the path of a
 * validation issue (`steps[4].send.as`) is resolved against the document with the `yaml`
 * package's positions (JSON is read as YAML, which keeps them), and a syntax error's own
 * `line L:C` is taken as it is. A path into a key that is missing points at the deepest part
 * that exists (the step without its `as`). Pure: the CLI and the console can both use it.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ScenarioIssue } from '../protocol/index.ts';
import type { Scenario, ScenarioStep } from './scenario-schema.ts';

export interface SourcePosition {
  line: number;
  column: number;
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

/** A parsed document that answers many paths (parse once per file). */
export function sourceLocator(text: string): (path: string) => SourcePosition | undefined {
  const lineCounter = new LineCounter();
  let doc: ReturnType<typeof parseDocument> | undefined;
  try {
    doc = parseDocument(text, { lineCounter, keepSourceTokens: false });
  } catch {
    doc = undefined;
  }
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  return (path) => {
    const syntax = /^line (\d+):(\d+)$/.exec(path);
    if (syntax) return { line: Number(syntax[1]), column: Number(syntax[2]) };
    if (!doc) return undefined;
    let node: unknown = doc.contents;
    let best: number | undefined = (node as Node | null)?.range?.[0];
    if (path === '(root)' || path === '(document)') return best === undefined ? undefined : at(best);
    for (const seg of issuePathSegments(path)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair || !isScalar(pair.key) || !pair.key.range) break;
        best = pair.key.range[0];
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg] as Node | undefined;
        if (!item?.range) break;
        best = item.range[0];
        node = item;
      } else break;
    }
    return best === undefined ? undefined : at(best);
  };
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
      return /^line \d+:\d+$/.test(i.path) ? `${where}: ${i.message}` : `${where}: ${i.path}: ${i.message}`;
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
  for (let i = 0; i < parts.length; ) {
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
