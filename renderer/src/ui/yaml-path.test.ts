import { describe, expect, it } from 'vitest';
import { linesOf, yamlCursorContext, yamlKeyPathAt, yamlNewlineIndent } from './yaml-path.ts';

/** The context at the `|` in `text` (the bar is removed). */
function at(text: string) {
  const pos = text.indexOf('|');
  return yamlCursorContext(linesOf(text.slice(0, pos) + text.slice(pos + 1)), pos);
}

const SCENARIO = `flowscope: 1
name: two users
users:
  a: {}
steps:
  - connect: a
  - send:
      as: a
      message:
        type: user_message
  - name: later
    wait:
      as: a
`;

describe('yamlCursorContext', () => {
  it('a top-level key: no parents, the other top-level keys are siblings', () => {
    const c = at('flowscope: 1\nna|\nusers:\n  a: {}\nsteps: []\n');
    expect(c).toMatchObject({ kind: 'key', path: [], prefix: 'na' });
    expect(c.siblings.sort()).toEqual(['flowscope', 'steps', 'users']);
  });

  it('the first key of a list item, on its dash line', () => {
    const c = at('steps:\n  - connect: a\n  - se|\n');
    expect(c).toMatchObject({ kind: 'key', path: ['steps', 1], prefix: 'se' });
    expect(c.from).toBe('steps:\n  - connect: a\n  - '.length);
  });

  it('a key of a step kind, under its dash line: the item index counts the dashes above', () => {
    const text = SCENARIO.replace('      as: a\n      message:', '      as: a\n      ex|\n      message:');
    const c = at(text);
    expect(c).toMatchObject({ kind: 'key', path: ['steps', 1, 'send'], prefix: 'ex' });
    expect(c.siblings.sort()).toEqual(['as', 'message']);
  });

  it('a key of a list item on the line after its dash: the dash line key is a sibling', () => {
    const c = at('steps:\n  - name: later\n    wa|\n');
    expect(c).toMatchObject({ kind: 'key', path: ['steps', 0], prefix: 'wa', siblings: ['name'] });
  });

  it('a list at the column of its key (`steps:\\n- x`)', () => {
    expect(at('steps:\n- connect: a\n- se|\n')).toMatchObject({ kind: 'key', path: ['steps', 1] });
  });

  it('a value after `key: ` (on a dash line too)', () => {
    expect(at('transport: w|\n')).toMatchObject({ kind: 'value', key: 'transport', path: [], prefix: 'w' });
    expect(at('steps:\n  - send:\n      expect: |\n')).toMatchObject({ kind: 'value', key: 'expect', path: ['steps', 0, 'send'], prefix: '' });
    expect(at('steps:\n  - connect: |\n')).toMatchObject({ kind: 'value', key: 'connect', path: ['steps', 0] });
  });

  it('inside a flow mapping or after a value: nothing to say', () => {
    expect(at('steps:\n  - send: { a|').kind).toBe('none');
    expect(at('name: two wo|').kind).toBe('none');
  });

  it('nested lists (parallel branches) and comments or blank lines between', () => {
    const text = 'steps:\n  - parallel:\n      - - connect: a\n\n        # the other\n      - - se|\n';
    expect(at(text)).toMatchObject({ kind: 'key', path: ['steps', 0, 'parallel', 1, 0] });
  });

  it('reads only the lines up to the parent: a cursor deep in a long file is as cheap as near the top', () => {
    const big = 'steps:\n' + '  - connect: a\n'.repeat(20_000) + '  - send:\n      a|\n';
    const c = at(big);
    expect(c.path).toEqual(['steps', 20_000, 'send']);
  });
});

describe('yamlKeyPathAt', () => {
  it('the path of the key under the position, the key last', () => {
    const doc = linesOf(SCENARIO);
    const pos = SCENARIO.indexOf('type: user_message') + 2;
    expect(yamlKeyPathAt(doc, pos)).toEqual({ path: ['steps', 1, 'send', 'message', 'type'], from: pos - 2, to: pos + 2 });
    expect(yamlKeyPathAt(doc, SCENARIO.indexOf('wait:') + 1)?.path).toEqual(['steps', 2, 'wait']);
    expect(yamlKeyPathAt(doc, SCENARIO.indexOf('two users'))).toBeUndefined();
  });

  it('a key in a one-line flow mapping after the line own key, nested and in lists too', () => {
    const text = `steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "a: {b" } }, save_as: r1 }
  - expect_order: { user: a, types: [agent_started, { x: 1, y: 2 }] }
vars: { "quoted key": 1, next: 2 }
`;
    const doc = linesOf(text);
    const pathAt = (needle: string, offset = 1) => yamlKeyPathAt(doc, text.indexOf(needle) + offset)?.path;
    expect(pathAt('as: a')).toEqual(['steps', 1, 'send', 'as']);
    expect(pathAt('type: user')).toEqual(['steps', 1, 'send', 'message', 'type']);
    expect(pathAt('content:')).toEqual(['steps', 1, 'send', 'message', 'payload', 'content']);
    // after a closed mapping (and a quoted `{` inside it) the path is back at the send's level
    expect(pathAt('save_as')).toEqual(['steps', 1, 'send', 'save_as']);
    expect(pathAt('y: 2')).toEqual(['steps', 2, 'expect_order', 'types', 1, 'y']);
    expect(pathAt('next:')).toEqual(['vars', 'next']);
    const saveAs = yamlKeyPathAt(doc, text.indexOf('save_as') + 1);
    expect(saveAs).toMatchObject({ from: text.indexOf('save_as'), to: text.indexOf('save_as') + 'save_as'.length });
  });
});

describe('yamlNewlineIndent', () => {
  it('one level deeper after a key that opens a block, a trailing space or comment allowed', () => {
    expect(yamlNewlineIndent('steps:')).toBe(2);
    expect(yamlNewlineIndent('users: ')).toBe(2);
    expect(yamlNewlineIndent('  - send:')).toBe(6);
    expect(yamlNewlineIndent('  - - name: x')).toBe(6);
    expect(yamlNewlineIndent('      message: # the envelope')).toBe(8);
    expect(yamlNewlineIndent('description: |')).toBe(2);
    expect(yamlNewlineIndent('  text: >-')).toBe(4);
  });

  it("at a list item's keys after `- key: value`, after the dash for `- ` alone", () => {
    expect(yamlNewlineIndent('  - connect: a')).toBe(4);
    expect(yamlNewlineIndent('  - ')).toBe(4);
    expect(yamlNewlineIndent('  - a')).toBe(4);
  });

  it('as the line otherwise (a key with a value, a comment, a blank line)', () => {
    expect(yamlNewlineIndent('name: demo')).toBe(0);
    expect(yamlNewlineIndent('      as: a')).toBe(6);
    expect(yamlNewlineIndent('    # note')).toBe(4);
    expect(yamlNewlineIndent('   ')).toBe(3);
    expect(yamlNewlineIndent('')).toBe(0);
  });
});
