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
import { Compartment, EditorState, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, type DecorationSet } from '@codemirror/view';
import type { ScenarioFormat, ScenarioIssue } from '../../../../protocol/index.ts';
import { issueTextRange } from '../../../../scenario/scenario-source-position.ts';
import { oneDarkish, syntaxColours } from '../../ui/editor-theme.ts';
import { yamlHighlight } from '../../ui/yaml-highlight.ts';
import { scenarioYamlAssist } from './scenario-editor-assist.ts';

interface Props {
  /** Identifies the open document; a new key replaces the editor state. */
  docKey: number;
  value: string;
  format: ScenarioFormat;
  issues: readonly ScenarioIssue[];
  onChange(value: string): void;
  /** Where to put the cursor (a failed step's line); a new object moves it again. */
  jumpTo?: { line: number; column: number } | null;
}

/** Marks the line a jump landed on (a failed step), so it stands out from the cursor's line; the next edit clears it. */
const markJumpLine = StateEffect.define<number>();
const jumpLine = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    for (const e of tr.effects) if (e.is(markJumpLine)) return Decoration.set([Decoration.line({ class: 'cm-jump-line' }).range(e.value)]);
    return tr.docChanged ? Decoration.none : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const languageOf = (format: ScenarioFormat) => (format === 'json' ? json() : [yamlHighlight, scenarioYamlAssist]);

export function ScenarioEditor({ docKey, value, format, issues, onChange, jumpTo }: Props) {
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
      syntaxColours,
      jumpLine,
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
    // Set again for another check only (a new `issues`), not per keystroke: CodeMirror maps the
    // ranges through the edits in between. (Each range is found by a parse of the text.)
  }, [docKey, issues]);

  useEffect(() => {
    const v = view.current;
    if (!v || !jumpTo) return;
    const line = v.state.doc.line(Math.min(Math.max(1, jumpTo.line), v.state.doc.lines));
    const anchor = line.from + Math.min(Math.max(0, jumpTo.column - 1), line.length);
    v.dispatch({ selection: { anchor }, effects: [EditorView.scrollIntoView(anchor, { y: 'center' }), markJumpLine.of(line.from)] });
    v.focus();
  }, [jumpTo]);

  return <div className="scenario-editor" ref={host} data-testid="scenario-editor" data-doc-key={docKey} data-format={format} />;
}
