/** Dark theme for the CodeMirror editor, matching styles.css. */
import { EditorView } from '@codemirror/view';

export const oneDarkish = EditorView.theme(
  {
    '&': { backgroundColor: '#0f141b', color: '#d6dde6', height: '100%', fontSize: '12px' },
    '.cm-content': { caretColor: '#8ab4ff', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
    '.cm-gutters': { backgroundColor: '#0b1016', color: '#5b6878', border: 'none' },
    '.cm-activeLine': { backgroundColor: '#16202b' },
    '.cm-activeLineGutter': { backgroundColor: '#16202b' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: '#264f78' },
    '.cm-scroller': { overflow: 'auto' },
  },
  { dark: true },
);
