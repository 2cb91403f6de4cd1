/**
 * The scenario editor's help for YAML, from the scenario JSON Schema (scenario-schema-assist.ts):
 * completion of the keys valid at the cursor (step kinds, a kind's fields) and of enum values,
 * and a hover on a key with its path, type and description. The cursor's YAML path is read from
 * the lines above it (ui/yaml-path.ts), never from a parse of the whole document.
 */
import { autocompletion, pickedCompletion, startCompletion, type Completion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { EditorSelection, Prec, type Extension, type StateCommand } from '@codemirror/state';
import { hoverTooltip, keymap, type EditorView } from '@codemirror/view';
import { yamlCursorContext, yamlKeyPathAt, yamlNewlineIndent } from '../../ui/yaml-path.ts';
import { hoverDoc, keyCandidates, roleLabel, scenarioSchema, valueCandidates } from './scenario-schema-assist.ts';

/**
 * Applies a key as `key: `; when the key takes fixed values (an enum, a const, a boolean) their
 * list opens at once, so `flowscope` is followed by `1` and `status` by its statuses.
 */
function applyKey(key: string, opensValues: boolean) {
  return (view: EditorView, completion: Completion, from: number, to: number) => {
    const insert = `${key}: `;
    view.dispatch({
      changes: { from, to, insert },
      selection: { anchor: from + insert.length },
      userEvent: 'input.complete',
      annotations: pickedCompletion.of(completion),
    });
    if (opensValues) startCompletion(view);
  };
}

/** The completions at the context's position (null: nothing to offer). */
export function scenarioCompletions(context: CompletionContext): CompletionResult | null {
  const { state, pos } = context;
  const at = yamlCursorContext(state.doc, pos);
  if (at.kind === 'none') return null;
  // A key is offered once its first letter is typed (or on Ctrl+Space); values right after `key: `.
  if (!context.explicit && at.prefix === '' && at.kind === 'key') return null;
  const root = scenarioSchema();
  let options: Completion[];
  if (at.kind === 'key') {
    options = keyCandidates(root, at.path, at.siblings).map((c) => {
      const role = roleLabel(c, at.path);
      return {
        label: c.key,
        apply: applyKey(c.key, valueCandidates(root, [...at.path, c.key]).length > 0),
        type: 'property',
        detail: role ? `${c.type} · ${role}` : c.type,
        ...(c.description ? { info: c.description } : {}),
        boost: c.required ? 1 : 0,
      };
    });
  } else {
    options = valueCandidates(root, [...at.path, at.key as string]).map((v) => ({ label: v, type: 'enum' }));
  }
  if (options.length === 0) return null;
  return { from: at.from, options, validFor: /^[\w$.-]*$/ };
}

/** The hover of the key under the pointer: its path, type, whether it is required, its description. */
const schemaHover = hoverTooltip((view: EditorView, pos: number) => {
  const key = yamlKeyPathAt(view.state.doc, pos);
  if (!key) return null;
  const doc = hoverDoc(scenarioSchema(), key.path);
  if (!doc) return null;
  return {
    pos: key.from,
    end: key.to,
    above: true,
    create: () => {
      const dom = document.createElement('div');
      dom.className = 'cm-schema-hover';
      dom.dataset.testid = 'schema-hover';
      const head = dom.appendChild(document.createElement('div'));
      head.className = 'cm-schema-hover-head';
      const title = head.appendChild(document.createElement('code'));
      title.textContent = doc.title;
      const type = head.appendChild(document.createElement('span'));
      type.className = 'cm-schema-hover-type';
      const role = roleLabel(doc, key.path.slice(0, -1));
      type.textContent = ` ${doc.type}${role ? ` · ${role}` : ''}`;
      const body = dom.appendChild(document.createElement('div'));
      body.className = doc.description ? 'cm-schema-hover-doc' : 'cm-schema-hover-doc muted';
      body.textContent = doc.description ?? 'No description in the schema.';
      return { dom };
    },
  };
});

/**
 * Enter in YAML: the new line is indented for what comes next (yaml-path.ts `yamlNewlineIndent`):
 * deeper after `key:`, at an item's keys after `- key: value`, else as the line. Spaces left
 * before the cursor (the one after an applied `key: `) are dropped.
 */
export const yamlNewline: StateCommand = ({ state, dispatch }) => {
  const changes = state.changeByRange((range) => {
    const line = state.doc.lineAt(range.from);
    const before = line.text.slice(0, range.from - line.from);
    const trimmed = before.replace(/\s+$/, '');
    // a cursor inside the indentation or in an empty line: the default Enter
    const from = trimmed === '' ? range.from : line.from + trimmed.length;
    const insert = `\n${' '.repeat(yamlNewlineIndent(before))}`;
    return { changes: { from, to: range.to, insert }, range: EditorSelection.cursor(from + insert.length) };
  });
  dispatch(state.update(changes, { scrollIntoView: true, userEvent: 'input' }));
  return true;
};

/** Completion, hover and Enter's indentation for a YAML scenario. */
export const scenarioYamlAssist: Extension = [
  autocompletion({ override: [scenarioCompletions] }),
  schemaHover,
  Prec.high(keymap.of([{ key: 'Enter', run: yamlNewline }])),
];
