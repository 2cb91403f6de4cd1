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
});
