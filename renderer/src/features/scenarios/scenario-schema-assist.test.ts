import { describe, expect, it } from 'vitest';
import { hoverDoc, keyCandidates, roleLabel, scenarioSchema, valueCandidates } from './scenario-schema-assist.ts';

// scenarioJsonSchema(), the function `npm run schema` writes to docs/scenario.schema.json
// (scenario/scenario-schema.test.ts keeps the two equal)
const root = scenarioSchema();
const keys = (path: Array<string | number>, siblings: string[] = []) => keyCandidates(root, path, siblings).map((c) => c.key);

describe('keyCandidates', () => {
  it('top level: the scenario keys not yet written, required ones marked', () => {
    expect(keys([], ['flowscope', 'steps'])).toEqual(['name', 'description', 'tags', 'transport', 'timeout_ms', 'vars', 'users']);
    const name = keyCandidates(root, []).find((c) => c.key === 'name');
    expect(name).toMatchObject({ required: true, type: 'string', description: 'What the scenario checks, shown in reports.' });
  });

  it('in a step: every step kind and name, with the kind described', () => {
    const step = keys(['steps', 0]);
    expect(step).toEqual(expect.arrayContaining(['name', 'connect', 'send', 'wait', 'expect_run', 'repeat', 'parallel']));
    // one key per step kind (the schema's alternatives of a step) and `name`
    expect(step).toHaveLength(new Set(step).size);
    const send = keyCandidates(root, ['steps', 3]).find((c) => c.key === 'send');
    expect(send?.description).toMatch(/^Send as a user/);
    // a step has one kind: each kind picks the shape, none is required
    expect(send).toMatchObject({ required: false, kind: true });
    expect(keyCandidates(root, ['steps', 3]).find((c) => c.key === 'name')).toMatchObject({ required: false, kind: false });
  });

  it('in a step that has its kind: only that kind keys are left', () => {
    expect(keys(['steps', 0], ['send'])).toEqual(['name']);
  });

  it("a kind's fields, nested in repeat and parallel too", () => {
    expect(keys(['steps', 0, 'send'], ['as'])).toEqual(['message', 'raw', 'oversize_bytes', 'auto_id', 'expect', 'save_as', 'reply', 'timeout_ms']);
    expect(keys(['steps', 0, 'repeat', 'steps', 1, 'send'])).toContain('as');
    expect(keys(['steps', 0, 'parallel', 1, 0])).toContain('expect_run');
    expect(keys(['users', 'alice'])).toEqual(['id', 'token', 'transport']);
  });

  it('nothing where the schema has no mapping', () => {
    expect(keys(['name'])).toEqual([]);
    expect(keys(['nope', 'deeper'])).toEqual([]);
  });
});

describe('valueCandidates', () => {
  it('enum, const and boolean values', () => {
    expect(valueCandidates(root, ['transport'])).toEqual(['socketio', 'ws']);
    expect(valueCandidates(root, ['users', 'a', 'transport'])).toEqual(['socketio', 'ws']);
    expect(valueCandidates(root, ['steps', 0, 'send', 'expect'])).toEqual(['ack', 'pong', 'none']);
    expect(valueCandidates(root, ['steps', 0, 'send', 'auto_id'])).toEqual(['true', 'false']);
    expect(valueCandidates(root, ['flowscope'])).toEqual(['1']);
    expect(valueCandidates(root, ['name'])).toEqual([]);
  });
});

describe('hoverDoc', () => {
  it("a key's path, type, whether it is required and its description", () => {
    expect(hoverDoc(root, ['steps', 2, 'send'])).toMatchObject({
      title: 'steps[2].send',
      required: false,
      kind: true,
      description: expect.stringMatching(/^Send as a user: one of message/),
    });
    expect(hoverDoc(root, ['timeout_ms'])).toEqual({
      title: 'timeout_ms',
      type: 'integer 1..600000',
      required: false,
      kind: false,
      description: 'Default timeout of waits, in ms (10000).',
    });
  });

  it('a key without a description still says its type; an unknown key has no hover', () => {
    expect(hoverDoc(root, ['steps', 0, 'send', 'as'])).toEqual({ title: 'steps[0].send.as', type: 'string', required: true, kind: false });
    expect(hoverDoc(root, ['steps', 0, 'nope'])).toBeUndefined();
  });
});

describe('roleLabel', () => {
  it('required, a step kind in a list item, a kind elsewhere, else nothing', () => {
    expect(roleLabel({ required: true, kind: false }, [])).toBe('required');
    expect(roleLabel({ required: false, kind: true }, ['steps', 0])).toBe('step kind');
    expect(roleLabel({ required: false, kind: true }, ['users', 'a'])).toBe('kind');
    expect(roleLabel({ required: false, kind: false }, ['steps', 0])).toBe('');
  });
});
