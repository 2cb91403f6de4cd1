/**
 * CodeMirror 6 JSON editor, controlled by `value`. It edits one draft (the composer's message),
 * never a stored document: loading a template or a sent message replaces the draft's text as
 * an undoable change, so Ctrl+Z brings back what was typed before (unlike the scenario
 * editor, where another document gets a fresh state and undo history).
 */
import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { oneDarkish } from './editor-theme.ts';

interface Props {
  value: string;
  onChange(value: string): void;
}

export function JsonEditor({ value, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      doc: value,
      parent: host.current,
      extensions: [
        basicSetup,
        json(),
        oneDarkish,
        EditorView.lineWrapping,
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChangeRef.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // created once; later values are pushed by the effect below
  }, []);

  useEffect(() => {
    const v = view.current;
    // the same draft: an undoable change (see above)
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div className="json-editor" ref={host} data-testid="composer-editor" />;
}
