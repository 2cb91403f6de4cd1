/**
 * CodeMirror editor for scenario text (YAML or JSON), controlled by `value`; the validation
 * issues are shown in place (underlined at their path, with the message on hover).
 * `docKey` names the document shown: another document (another scenario, New, a recording,
 * an imported HAR, or the same scenario opened again) gets a fresh editor state with its own
 * undo history, so undo can never bring back the text of the document shown before.
 */
import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment, EditorState, type Extension } from '@codemirror/state';
import type { ScenarioFormat, ScenarioIssue } from '../../../../protocol/index.ts';
import { issueTextRange } from '../../../../scenario/scenario-source-position.ts';
import { oneDarkish } from '../../ui/editor-theme.ts';
import { yamlHighlight } from '../../ui/yaml-highlight.ts';

interface Props {
  /** Identifies the open document; a new key replaces the editor state. */
  docKey: number;
  value: string;
  format: ScenarioFormat;
  issues: readonly ScenarioIssue[];
  onChange(value: string): void;
}

const languageOf = (format: ScenarioFormat) => (format === 'json' ? json() : yamlHighlight);

export function ScenarioEditor({ docKey, value, format, issues, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const shownKey = useRef(docKey);
  const language = useRef(new Compartment());
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  const stateFor = (doc: string, docFormat: ScenarioFormat) => {
    const extensions: Extension[] = [
      basicSetup,
      language.current.of(languageOf(docFormat)),
      oneDarkish,
      EditorView.lineWrapping,
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChangeRef.current(u.state.doc.toString());
      }),
    ];
    return EditorState.create({ doc, extensions });
  };

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({ state: stateFor(value, format), parent: host.current });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // created once; later documents and values are pushed by the effects below
  }, []);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    if (shownKey.current !== docKey) {
      // Another document: a fresh state (empty undo history), not an undoable change.
      shownKey.current = docKey;
      v.setState(stateFor(value, format));
    } else if (v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
    // format is applied with the new state; on its own it is reconfigured below
  }, [docKey, value]);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageOf(format)) });
  }, [format]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    const diagnostics: Diagnostic[] = issues.map((issue) => {
      const { from, to } = issueTextRange(text, issue.path);
      return { from, to, severity: 'error', message: `${issue.path}: ${issue.message}` };
    });
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [docKey, issues, value]);

  return <div className="scenario-editor" ref={host} data-testid="scenario-editor" data-doc-key={docKey} data-format={format} />;
}
