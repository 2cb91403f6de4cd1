import { describe, expect, it } from 'vitest';
import { checkScenarioText, loadScenarioText, scenarioTextFormat } from './scenario-loader.ts';

const yaml = `flowscope: 1
name: Two users
tags: [smoke]
users:
  a: {}
  b: { transport: ws }
steps:
  - connect: a
  - connect: { user: b, token: expired, expect_refused: AUTH_EXPIRED }
  - send: { as: a, message: { type: user_message, payload: { content: hi } }, save_as: r1 }
  - parallel:
      - [ { expect_run: { user: a, run: "{{r1.run_id}}" } } ]
      - [ { expect_nothing: { user: b } } ]
  - repeat: { times: 2, index: i, steps: [ { send: { as: a, raw: "{bad {{i}}", expect: { error: INVALID_JSON } } } ] }
`;

describe('scenario loader', () => {
  it('tells JSON from YAML as the server does', () => {
    expect(scenarioTextFormat('  {"flowscope": 1}')).toBe('json');
    expect(scenarioTextFormat('flowscope: 1')).toBe('yaml');
  });
  it('reads YAML and JSON into the same scenario', () => {
    const fromYaml = loadScenarioText(yaml, { file: 'two.yaml' });
    expect(fromYaml.ok).toBe(true);
    if (!fromYaml.ok) return;
    const fromJson = loadScenarioText(JSON.stringify(fromYaml.scenario), { file: 'two.json' });
    expect(fromJson).toEqual(fromYaml);
    expect(fromYaml.scenario.steps).toHaveLength(5);
  });
  it('guesses JSON by content without an extension', () => {
    expect(loadScenarioText('{"flowscope":1,"name":"x","users":{"a":{}},"steps":[{"connect":"a"}]}').ok).toBe(true);
  });
  it('a YAML syntax error names its line', () => {
    const r = loadScenarioText('flowscope: 1\nname: [unclosed\n', { file: 'x.yaml' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toMatch(/^line \d+:\d+$/);
  });
  it('invalid steps are reported by path and step kind', () => {
    const r = loadScenarioText(
      JSON.stringify({
        flowscope: 1,
        name: 'bad',
        users: { a: {} },
        steps: [{ connect: 'a' }, { send: { as: 'a' } }, { sned: {} }, { wait: { user: 'zed', match: {} } }, { repeat: { times: 1, steps: [{ sleep: -1 }] } }],
      }),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual(
      expect.arrayContaining([
        { path: 'steps[1].send', message: 'send needs exactly one of message, raw, oversize_bytes' },
        expect.objectContaining({ path: 'steps[2]', message: expect.stringContaining('unknown step "sned"') }),
        expect.objectContaining({ path: 'steps[4].repeat.steps[0].sleep' }),
      ]),
    );
  });
  it('a step naming an undeclared user is refused', () => {
    const r = loadScenarioText('{"flowscope":1,"name":"x","users":{"a":{}},"steps":[{"connect":"b"}]}');
    expect(r).toEqual({ ok: false, issues: [{ path: 'steps[0].connect', message: 'user "b" is not declared under users (declared: a)' }] });
  });
  it('a wrong version or a non-object document is refused', () => {
    const v2 = loadScenarioText('{"flowscope":2,"name":"x","users":{"a":{}},"steps":[{"connect":"a"}]}');
    expect(v2.ok).toBe(false);
    if (!v2.ok) expect(v2.issues[0]?.path).toBe('flowscope');
    expect(loadScenarioText('- a\n- b\n', { file: 'x.yml' })).toEqual({ ok: false, issues: [expect.objectContaining({ path: '(document)' })] });
    expect(loadScenarioText('{nope', { file: 'x.json' })).toEqual({
      ok: false,
      issues: [expect.objectContaining({ message: expect.stringContaining('not valid JSON') })],
    });
  });
  it('reports issues with paths, in JSON too', () => {
    const checked = checkScenarioText('{"flowscope": 1, "name": "x", "users": {"a": {}}, "steps": [{"send": {"as": "b", "raw": "x"}}]}');
    expect(checked.format).toBe('json');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues[0]).toMatchObject({ path: 'steps[0].send' });
  });

  it('treats text as JSON only when it parses as JSON: a YAML flow-style scenario is YAML', () => {
    const flow = '{flowscope: 1, name: Flow style, users: {a: {}}, steps: [{connect: a}]}';
    expect(scenarioTextFormat(flow)).toBe('yaml');
    expect(checkScenarioText(flow)).toMatchObject({ ok: true, format: 'yaml', scenario: { name: 'Flow style' } });
    expect(scenarioTextFormat('  {"flowscope": 1}')).toBe('json');
    expect(scenarioTextFormat('flowscope: 1')).toBe('yaml');
    expect(scenarioTextFormat('')).toBe('yaml');
    // neither JSON nor YAML: JSON while it starts like a JSON object, so the JSON error is shown
    expect(scenarioTextFormat('{"flowscope": 1, "name": ')).toBe('json');
    expect(checkScenarioText('{"flowscope": 1, "name": ')).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('not valid JSON') }] });
    expect(scenarioTextFormat('{flowscope: 1, name: [')).toBe('yaml');
  });

  it('reads in the format it is told, and keeps what an invalid scenario parsed to', () => {
    const text = 'flowscope: 1\nname: Half done\ntags: [wip]\nusers: {}\nsteps: []\n';
    const checked = checkScenarioText(text, { format: 'yaml', file: 'named.json' });
    expect(checked).toMatchObject({ ok: false, format: 'yaml', doc: { name: 'Half done', tags: ['wip'] } });
    expect(checkScenarioText('{nope', { format: 'json' })).toMatchObject({ ok: false, format: 'json', doc: undefined, issues: [{ path: '(document)' }] });
  });
});
