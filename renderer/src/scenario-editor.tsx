/**
 * CodeMirror editor for scenario text (YAML or JSON), controlled by `value`; the validation
 * issues are shown in place (underlined at their path, with the message on hover).
 */
import { useEffect, useRef } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { json } from '@codemirror/lang-json';
import { setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { Compartment } from '@codemirror/state';
import type { ScenarioFormat, ScenarioIssue } from '../../protocol/index.ts';
import { oneDarkish } from './editor-theme.ts';
import { locateIssue } from './scenario-issue-locator.ts';
import { yamlHighlight } from './yaml-highlight.ts';

interface Props {
  value: string;
  format: ScenarioFormat;
  issues: readonly ScenarioIssue[];
  onChange(value: string): void;
}

const languageOf = (format: ScenarioFormat) => (format === 'json' ? json() : yamlHighlight);

export function ScenarioEditor({ value, format, issues, onChange }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const language = useRef(new Compartment());
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;

  useEffect(() => {
    if (!host.current) return;
    const v = new EditorView({
      doc: value,
      parent: host.current,
      extensions: [
        basicSetup,
        language.current.of(languageOf(format)),
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
    // created once; later values are pushed by the effects below
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({ effects: language.current.reconfigure(languageOf(format)) });
  }, [format]);

  useEffect(() => {
    const v = view.current;
    if (!v) return;
    const text = v.state.doc.toString();
    const diagnostics: Diagnostic[] = issues.map((issue) => {
      const { from, to } = locateIssue(text, issue.path);
      return { from, to, severity: 'error', message: `${issue.path}: ${issue.message}` };
    });
    v.dispatch(setDiagnostics(v.state, diagnostics));
  }, [issues, value]);

  return <div className="scenario-editor" ref={host} data-testid="scenario-editor" data-format={format} />;
}
