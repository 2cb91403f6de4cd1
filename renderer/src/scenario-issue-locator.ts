/**
 * Where in the editor text a scenario issue is: its path (`steps[3].send.as`, `line 4:7`,
 * `(root)`) resolved against the document (JSON is read as YAML, which keeps positions). A
 * path into a key that is missing points at the deepest part that exists. Ranges stay on one
 * line so the underline marks the spot, not the whole block.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';

export interface TextRange {
  from: number;
  to: number;
}

/** `steps[3].send.as` → ['steps', 3, 'send', 'as']. */
export function pathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}

function lineRange(text: string, from: number, to = from): TextRange {
  const start = Math.max(0, Math.min(from, text.length));
  const eol = text.indexOf('\n', start);
  const lineEnd = eol === -1 ? text.length : eol;
  return { from: start, to: Math.max(start, Math.min(Math.max(to, start + 1), lineEnd)) };
}

function firstLine(text: string): TextRange {
  return lineRange(text, 0, text.length);
}

export function locateIssue(text: string, path: string): TextRange {
  const line = /^line (\d+):(\d+)$/.exec(path);
  if (line) {
    const lines = text.split('\n');
    const n = Math.min(Math.max(1, Number(line[1])), lines.length);
    let offset = 0;
    for (let i = 0; i < n - 1; i++) offset += lines[i]!.length + 1;
    const col = Math.min(Math.max(1, Number(line[2])), (lines[n - 1]?.length ?? 0) + 1);
    return lineRange(text, offset + col - 1, offset + (lines[n - 1]?.length ?? 0));
  }
  let doc;
  try {
    doc = parseDocument(text, { keepSourceTokens: false });
  } catch {
    return firstLine(text);
  }
  let node: unknown = doc.contents;
  let best: TextRange | undefined = node && (node as Node).range ? lineRange(text, (node as Node).range![0], (node as Node).range![1]) : undefined;
  for (const seg of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair || !isScalar(pair.key) || !pair.key.range) break;
      best = lineRange(text, pair.key.range[0], pair.key.range[1]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item || !item.range) break;
      best = lineRange(text, item.range[0], item.range[1]);
      node = item;
    } else {
      break;
    }
  }
  return best ?? firstLine(text);
}
