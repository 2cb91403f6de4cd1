import { describe, expect, it } from 'vitest';
import { loadScenarioText } from './scenario-loader.ts';
import { formatLocatedIssues, issuePathSegments, issueTextRange, locateIssues, sourceLocator, stepSourcePath } from './scenario-source-position.ts';
import type { Scenario } from './scenario-schema.ts';

const yaml = `flowscope: 1
name: located
users:
  a: {}
steps:
  - connect: a
  - repeat:
      times: 2
      steps:
        - send: { as: a }
  - wait:
      user: a
`;

describe('scenario source positions', () => {
  it('maps validation paths of a YAML file to line and column, nested steps included', () => {
    const loaded = loadScenarioText(yaml, { file: 'located.yaml' });
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const located = locateIssues(yaml, loaded.issues);
    expect(located).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'steps[1].repeat.steps[0].send', line: 10, column: 11 }),
        // A missing key points at the deepest part that exists: the wait.
        expect.objectContaining({ path: 'steps[2].wait.match', line: 11, column: 5 }),
      ]),
    );
    expect(formatLocatedIssues('located.yaml', located)).toContain('located.yaml:10:11: steps[1].repeat.steps[0].send: ');
  });

  it('maps paths of a JSON file (read as YAML for its positions), on one line or many', () => {
    const one = '{"flowscope":1,"name":"j","users":{"a":{}},"steps":[{"connect":"a"},{"send":{"as":"a"}}]}';
    expect(sourceLocator(one)('steps[1].send')).toEqual({ line: 1, column: one.indexOf('"send"') + 1 });
    const pretty = JSON.stringify(JSON.parse(one), null, 2);
    expect(sourceLocator(pretty)('steps[1].send')).toEqual({ line: 12, column: 7 });
    expect(sourceLocator(pretty)('steps[1]')).toEqual({ line: 11, column: 5 });
    expect(sourceLocator(pretty)('(root)')).toEqual({ line: 1, column: 1 });
  });

  it('keeps a syntax error at its own position, and an unlocatable path without one', () => {
    const broken = 'flowscope: 1\nname: [unclosed\n';
    const loaded = loadScenarioText(broken, { file: 'x.yaml' });
    if (loaded.ok) throw new Error('expected a syntax error');
    const [issue] = locateIssues(broken, loaded.issues);
    expect(issue).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
    expect(formatLocatedIssues('x.yaml', [issue!])).toMatch(/^x\.yaml:\d+:\d+: /);
    expect(formatLocatedIssues('x.yaml', [{ path: 'steps[9]', message: 'gone' }])).toBe('x.yaml: steps[9]: gone');
    expect(locateIssues('', [{ path: 'steps[0]', message: 'm' }])).toEqual([{ path: 'steps[0]', message: 'm' }]);
  });
});

describe('stepSourcePath', () => {
  it('maps a step result id to its path, through repeat iterations and parallel branches', () => {
    const scenario = {
      steps: [
        { connect: 'a' },
        { repeat: { times: 3, steps: [{ sleep: 1 }, { sleep: 2 }] } },
        { parallel: [[{ sleep: 1 }], [{ sleep: 2 }, { repeat: { times: 1, steps: [{ sleep: 3 }] } }]] },
      ],
    } as unknown as Pick<Scenario, 'steps'>;
    expect(stepSourcePath(scenario, '1')).toBe('steps[0]');
    expect(stepSourcePath(scenario, '2.3.2')).toBe('steps[1].repeat.steps[1]');
    expect(stepSourcePath(scenario, '2.3')).toBe('steps[1]');
    expect(stepSourcePath(scenario, '3.2.1')).toBe('steps[2].parallel[1][0]');
    expect(stepSourcePath(scenario, '3.2.2.1.1')).toBe('steps[2].parallel[1][1].repeat.steps[0]');
    for (const bad of ['9', '2.4.1', '3.3.1', '1.1.1', 'x', '0']) expect(stepSourcePath(scenario, bad)).toBeUndefined();
    const yaml =
      'flowscope: 1\nname: n\nusers: { a: {} }\nsteps:\n  - connect: a\n  - repeat:\n      times: 3\n      steps:\n        - sleep: 1\n        - sleep: 2\n';
    expect(sourceLocator(yaml)(stepSourcePath(scenario, '2.3.2') as string)).toEqual({ line: 10, column: 11 });
  });
});

const EDITOR_YAML = `flowscope: 1
name: demo
users:
  a: {}
steps:
  - connect: a
  - send:
      as: b
      message: { type: user_message }
`;

const at = (text: string, path: string) => {
  const r = issueTextRange(text, path);
  return text.slice(r.from, r.to);
};

describe('issue ranges in the editor text', () => {
  it('splits paths', () => {
    expect(issuePathSegments('steps[3].send.as')).toEqual(['steps', 3, 'send', 'as']);
    expect(issuePathSegments('(root)')).toEqual(['(root)']);
  });

  it('points at the key of a YAML path', () => {
    expect(at(EDITOR_YAML, 'steps[1].send.as')).toBe('as');
    expect(at(EDITOR_YAML, 'name')).toBe('name');
  });

  it('points at the deepest existing part of a missing path', () => {
    expect(at(EDITOR_YAML, 'steps[1].send.message.payload')).toBe('message');
    expect(at(EDITOR_YAML, 'steps[7]')).toBe('steps');
  });

  it('works on JSON text', () => {
    const json = '{\n  "flowscope": 1,\n  "steps": [\n    { "send": { "as": "b" } }\n  ]\n}';
    expect(at(json, 'steps[0].send.as')).toBe('"as"');
  });

  it('reads line:col paths and stays on one line', () => {
    expect(at(EDITOR_YAML, 'line 2:7')).toBe('demo');
    const root = issueTextRange(EDITOR_YAML, '(root)');
    expect(EDITOR_YAML.slice(root.from, root.to)).toBe('flowscope: 1');
  });
});
