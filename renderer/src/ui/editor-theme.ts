/**
 * Theme for the CodeMirror editors, from the CSS variables of styles.css, so it follows the
 * console's theme (dark, or light when the system asks for light).
 */
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorView } from '@codemirror/view';
import { tags } from '@lezer/highlight';

/**
 * The syntax colours, from the same CSS variables (`--syn-*`): basicSetup's default style is made
 * for a light background (its dark red strings and green numbers were 2.5:1 on the dark editor).
 * basicSetup's style is a fallback: with this one in the editor, it is not used.
 */
export const syntaxColours = syntaxHighlighting(
  HighlightStyle.define([
    { tag: tags.propertyName, color: 'var(--syn-key)' },
    { tag: [tags.string, tags.special(tags.string)], color: 'var(--syn-string)' },
    { tag: tags.number, color: 'var(--syn-number)' },
    { tag: [tags.bool, tags.null, tags.atom, tags.keyword], color: 'var(--syn-atom)' },
    { tag: [tags.comment, tags.lineComment, tags.blockComment], color: 'var(--syn-comment)', fontStyle: 'italic' },
    { tag: tags.invalid, color: 'var(--bad)' },
  ]),
);

export const oneDarkish = EditorView.theme({
  '&': { backgroundColor: 'var(--editor-bg)', color: 'var(--text)', height: '100%', fontSize: '12px' },
  '.cm-content': { caretColor: 'var(--accent)', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine': { backgroundColor: 'var(--editor-active)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'var(--editor-selection)' },
  '.cm-scroller': { overflow: 'auto' },
  '.cm-tooltip': { backgroundColor: 'var(--panel-2)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--editor-selection)', color: 'var(--text-strong)' },
  '.cm-completionDetail': { color: 'var(--muted)', fontStyle: 'normal', marginLeft: '8px' },
  '.cm-completionInfo': { maxWidth: '360px' },
  // the hover of a scenario key: its path and type, then its description from the schema
  '.cm-schema-hover': { padding: '4px 8px', maxWidth: '420px', fontSize: '12px', lineHeight: '1.4' },
  '.cm-schema-hover-head': { marginBottom: '2px' },
  '.cm-schema-hover-head code': { color: 'var(--link)' },
  '.cm-schema-hover-type': { color: 'var(--muted)' },
  // the line a jump to a failed step landed on (over the active line's colour)
  '.cm-line.cm-jump-line': { backgroundColor: 'var(--bad-bg)', boxShadow: 'inset 3px 0 0 var(--bad)' },
});
