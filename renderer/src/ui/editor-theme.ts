/**
 * Theme for the CodeMirror editors, from the CSS variables of styles.css, so it follows the
 * console's theme (dark, or light when the system asks for light).
 */
import { EditorView } from '@codemirror/view';

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
