import { EditorState } from '@codemirror/state';
import { CompletionContext } from '@codemirror/autocomplete';
import { describe, expect, it } from 'vitest';
import { scenarioCompletions, yamlNewline } from './scenario-editor-assist.ts';

/** The completions at the `|` of `text`. */
function complete(text: string, explicit = false) {
  const pos = text.indexOf('|');
  const state = EditorState.create({ doc: text.slice(0, pos) + text.slice(pos + 1) });
  return scenarioCompletions(new CompletionContext(state, pos, explicit));
}

describe('scenarioCompletions', () => {
  it('step kinds after a list dash, replacing the typed word, applied as `key: `', () => {
    const result = complete('flowscope: 1\nsteps:\n  - connect: a\n  - se|');
    expect(result?.from).toBe('flowscope: 1\nsteps:\n  - connect: a\n  - '.length);
    const send = result?.options.find((o) => o.label === 'send');
    expect(send).toMatchObject({ type: 'property', detail: 'object · step kind' });
    expect(send?.info).toMatch(/^Send as a user/);
  });

  it("a kind's fields without those already written", () => {
    const result = complete('steps:\n  - send:\n      as: a\n      |\n      message: {}\n', true);
    const labels = result?.options.map((o) => o.label);
    expect(labels).not.toContain('as');
    expect(labels).not.toContain('message');
    expect(labels).toContain('expect');
  });

  it('enum values after `key: `', () => {
    expect(complete('transport: |')?.options.map((o) => o.label)).toEqual(['socketio', 'ws']);
    expect(complete('steps:\n  - send:\n      expect: p|')?.options.map((o) => o.label)).toEqual(['ack', 'pong', 'none']);
  });

  it('nothing on an empty key position unless asked, nor where the schema has nothing', () => {
    expect(complete('flowscope: 1\n|')).toBeNull();
    expect(complete('flowscope: 1\n|', true)?.options.map((o) => o.label)).toContain('steps');
    expect(complete('name: |')).toBeNull();
    expect(complete('steps:\n  - send: { a|', true)).toBeNull();
  });
});

describe('Enter', () => {
  /** The text and cursor after Enter at the `|`. */
  function enter(text: string) {
    const pos = text.indexOf('|');
    let state = EditorState.create({ doc: text.slice(0, pos) + text.slice(pos + 1), selection: { anchor: pos } });
    yamlNewline({ state, dispatch: (tr) => (state = tr.state) });
    const doc = state.doc.toString();
    const head = state.selection.main.head;
    return `${doc.slice(0, head)}|${doc.slice(head)}`;
  }

  it('indents for what comes next and drops the space left after `key: `', () => {
    expect(enter('users: |')).toBe('users:\n  |');
    expect(enter('steps:\n  - send:|')).toBe('steps:\n  - send:\n      |');
    expect(enter('steps:\n  - connect: a|')).toBe('steps:\n  - connect: a\n    |');
    expect(enter('name: demo|\nusers: {}')).toBe('name: demo\n|\nusers: {}');
  });

  it('in the middle of a line, the rest moves to the new line', () => {
    expect(enter('a: 1|b: 2')).toBe('a: 1\n|b: 2');
  });
});
