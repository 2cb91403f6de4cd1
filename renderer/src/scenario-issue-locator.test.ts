import { describe, expect, it } from 'vitest';
import { locateIssue, pathSegments } from './scenario-issue-locator.ts';

const YAML = `flowscope: 1
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
  const r = locateIssue(text, path);
  return text.slice(r.from, r.to);
};

describe('locating scenario issues', () => {
  it('splits paths', () => {
    expect(pathSegments('steps[3].send.as')).toEqual(['steps', 3, 'send', 'as']);
    expect(pathSegments('(root)')).toEqual(['(root)']);
  });

  it('points at the key of a YAML path', () => {
    expect(at(YAML, 'steps[1].send.as')).toBe('as');
    expect(at(YAML, 'name')).toBe('name');
  });

  it('points at the deepest existing part of a missing path', () => {
    expect(at(YAML, 'steps[1].send.message.payload')).toBe('message');
    expect(at(YAML, 'steps[7]')).toBe('steps');
  });

  it('works on JSON text', () => {
    const json = '{\n  "flowscope": 1,\n  "steps": [\n    { "send": { "as": "b" } }\n  ]\n}';
    expect(at(json, 'steps[0].send.as')).toBe('"as"');
  });

  it('reads line:col paths and stays on one line', () => {
    expect(at(YAML, 'line 2:7')).toBe('demo');
    const root = locateIssue(YAML, '(root)');
    expect(YAML.slice(root.from, root.to)).toBe('flowscope: 1');
  });
});
