/**
 * Light YAML highlighting for the scenario editor (no YAML grammar ships with the console):
 * comments, keys, quoted strings and `{{templates}}`, line by line (yaml-tokens.ts, linear in
 * the line's length, so one long unbroken string cannot freeze the tab). Only the visible
 * lines are tokenized, again when the document or the viewport changes.
 */
import { RangeSetBuilder } from '@codemirror/state';
import { Decoration, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view';
import { yamlLineTokens, type YamlTokenKind } from './yaml-tokens.ts';

const marks: Record<YamlTokenKind, Decoration> = {
  comment: Decoration.mark({ class: 'cm-yaml-comment' }),
  string: Decoration.mark({ class: 'cm-yaml-string' }),
  key: Decoration.mark({ class: 'cm-yaml-key' }),
  template: Decoration.mark({ class: 'cm-yaml-template' }),
};

/** The marks of the visible lines of `view` (only its document and visible ranges are read). */
export function yamlDecorations(view: Pick<EditorView, 'state' | 'visibleRanges'>): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  const { doc } = view.state;
  // A long line may show in several visible ranges: tokenized once.
  let cached: { line: number; tokens: ReturnType<typeof yamlLineTokens> } | undefined;
  for (const { from, to } of view.visibleRanges) {
    for (let pos = from; pos <= to;) {
      const line = doc.lineAt(pos);
      if (cached?.line !== line.number) cached = { line: line.number, tokens: yamlLineTokens(line.text) };
      for (const token of cached.tokens) {
        // Only the visible part (the viewport may cut a long line).
        const start = Math.max(line.from + token.from, from);
        const end = Math.min(line.from + token.to, to);
        if (start < end) builder.add(start, end, marks[token.kind]);
      }
      pos = line.to + 1;
    }
  }
  return builder.finish();
}

export const yamlHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = yamlDecorations(view);
    }
    update(update: ViewUpdate) {
      if (update.docChanged || update.viewportChanged) this.decorations = yamlDecorations(update.view);
    }
  },
  { decorations: (v) => v.decorations },
);
