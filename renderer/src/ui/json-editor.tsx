/**
 * CodeMirror 6 JSON editor, controlled by `value`. It edits one draft (the composer's message),
 * never a stored document: loading a template or a sent message replaces the draft's text as
 * an undoable change, so Ctrl+Z brings back what was typed before (unlike the scenario
 * editor, where another document gets a fresh state and undo history). `markAt` underlines a
 * position (where JSON.parse gave up); Ctrl/Cmd+Enter calls `onSubmit`.
 */
import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Prec } from '@codemirror/state';
import { keymap } from '@codemirror/view';
import { oneDarkish, syntaxColours } from './editor-theme.ts';
import { errorRange } from './json-error-position.ts';

interface Props {
  value: string;
  onChange(value: string): void;
  onSubmit?(): void;
  /** An error to mark in place: the position and its message. */
  mark?: { at: number; message: string } | null;
}

export default function JsonEditor({ value, onChange, onSubmit, mark }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const onSubmitRef = useRef(onSubmit);
  onSubmitRef.current = onSubmit;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      doc: value,
      parent: host.current,
      extensions: [
        Prec.highest(
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                onSubmitRef.current?.();
                return true;
              },
            },
          ]),
        ),
        basicSetup,
        json(),
        oneDarkish,
        syntaxColours,
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

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    const diagnostics: Diagnostic[] = mark ? [{ ...errorRange(text, mark.at), severity: 'error', message: mark.message }] : [];
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [mark?.at, mark?.message, value]);

  return <div className="json-editor" ref={host} data-testid="composer-editor" data-error-at={mark ? String(mark.at) : undefined} />;
}
