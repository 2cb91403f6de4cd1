/**
 * The scenario editor's highlighter on a document with one 1 MB unbroken line (issue 17,
 * defect 9: the regular expression it used took seconds at 40,000 characters and froze the
 * tab on a 200,000-character HAR string). The decorations are built from the editor's state
 * and visible ranges, as the editor does, without a DOM.
 */
import { EditorState } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { yamlDecorations } from './yaml-highlight.ts';

function marks(doc: string, ranges?: Array<{ from: number; to: number }>): Array<[string, number, number]> {
  const state = EditorState.create({ doc });
  const set = yamlDecorations({ state, visibleRanges: ranges ?? [{ from: 0, to: state.doc.length }] });
  const found: Array<[string, number, number]> = [];
  set.between(0, state.doc.length, (from, to, value) => {
    found.push([String(value.spec.class), from, to]);
  });
  return found;
}

describe('yamlDecorations', () => {
  it('marks keys, strings, templates and comments of the visible lines', () => {
    const doc = 'name: "hi {{run.id}}" # note\nsteps:\n  - send: {{x}}';
    expect(marks(doc)).toEqual([
      ['cm-yaml-key', 0, 4],
      ['cm-yaml-string', 6, 21],
      ['cm-yaml-comment', 21, 28],
      ['cm-yaml-key', 29, 34],
      ['cm-yaml-key', 40, 44],
      ['cm-yaml-template', 46, 51],
    ]);
    // Only what is visible: a range that cuts a line cuts its marks.
    expect(marks(doc, [{ from: 2, to: 10 }])).toEqual([
      ['cm-yaml-key', 2, 4],
      ['cm-yaml-string', 6, 10],
    ]);
  });

  // Speed is measured in bench/yaml-highlight-bench.ts; the timeout is only a backstop (the
  // old highlighter would need hours for these lines).
  it('highlights a document with a 1 MB unbroken line', () => {
    const long = 'a'.repeat(1_000_000);
    const doc = `har:\n  text: "${long}"\n  word: ${long}\n  ${long}: 1`;
    const found = marks(doc);
    const text = (from: number, to: number) => doc.slice(from, to);
    expect(found.map(([kind, from, to]) => [kind, to - from > 20 ? `${text(from, from + 3)}…(${to - from})` : text(from, to)])).toEqual([
      ['cm-yaml-key', 'har'],
      ['cm-yaml-key', 'text'],
      ['cm-yaml-string', '"aa…(1000002)'],
      ['cm-yaml-key', 'word'],
      ['cm-yaml-key', 'aaa…(1000000)'],
    ]);
  }, 10_000);
});
