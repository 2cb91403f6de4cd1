/**
 * Light YAML highlighting for the scenario editor (no YAML grammar ships with the console):
 * comments, keys, quoted strings and `{{templates}}`, matched line by line.
 */
import { Decoration, MatchDecorator, ViewPlugin, type DecorationSet, type EditorView, type ViewUpdate } from '@codemirror/view';

const marks = {
  comment: Decoration.mark({ class: 'cm-yaml-comment' }),
  string: Decoration.mark({ class: 'cm-yaml-string' }),
  key: Decoration.mark({ class: 'cm-yaml-key' }),
  template: Decoration.mark({ class: 'cm-yaml-template' }),
};

const decorator = new MatchDecorator({
  // 1 comment, 2 quoted string, 3 a key (after indentation and list dashes), 4 a template
  regexp: /(^\s*#.*$|\s#.*$)|("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|([A-Za-z_$][\w$.-]*(?=\s*:(?:\s|$)))|(\{\{[^{}]*\}\})/g,
  decorate: (add, from, to, match) => {
    if (match[1]) add(from, to, marks.comment);
    else if (match[2]) add(from, to, marks.string);
    else if (match[3]) add(from, to, marks.key);
    else if (match[4]) add(from, to, marks.template);
  },
});

export const yamlHighlight = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorator.createDeco(view);
    }
    update(update: ViewUpdate) {
      this.decorations = decorator.updateDeco(update, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);
