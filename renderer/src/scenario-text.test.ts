import { describe, expect, it } from 'vitest';
import { checkScenarioText, NEW_SCENARIO_TEXT, scenarioFormatOf, scenarioNameOf, scenarioToYaml } from './scenario-text.ts';

describe('scenario text', () => {
  it('starts New from a valid scenario', () => {
    const checked = checkScenarioText(NEW_SCENARIO_TEXT);
    expect(checked).toMatchObject({ ok: true, format: 'yaml' });
  });

  it('round-trips a scenario through YAML', () => {
    const checked = checkScenarioText(NEW_SCENARIO_TEXT);
    if (!checked.ok) throw new Error('invalid');
    const again = checkScenarioText(scenarioToYaml(checked.scenario));
    expect(again.ok && again.scenario).toEqual(checked.scenario);
  });

  it('reports issues with paths, in JSON too', () => {
    const checked = checkScenarioText('{"flowscope": 1, "name": "x", "users": {"a": {}}, "steps": [{"send": {"as": "b", "raw": "x"}}]}');
    expect(checked.format).toBe('json');
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.issues[0]).toMatchObject({ path: 'steps[0].send' });
  });

  it('treats text as JSON only when it parses as JSON: a YAML flow-style scenario is YAML', () => {
    const flow = '{flowscope: 1, name: Flow style, users: {a: {}}, steps: [{connect: a}]}';
    expect(scenarioFormatOf(flow)).toBe('yaml');
    expect(checkScenarioText(flow)).toMatchObject({ ok: true, format: 'yaml', scenario: { name: 'Flow style' } });
    expect(scenarioFormatOf('  {"flowscope": 1}')).toBe('json');
    expect(scenarioFormatOf('flowscope: 1')).toBe('yaml');
    expect(scenarioFormatOf('')).toBe('yaml');
    // neither JSON nor YAML: JSON while it starts like a JSON object, so the JSON error is shown
    expect(scenarioFormatOf('{"flowscope": 1, "name": ')).toBe('json');
    expect(checkScenarioText('{"flowscope": 1, "name": ')).toMatchObject({ ok: false, issues: [{ message: expect.stringContaining('not valid JSON') }] });
    expect(scenarioFormatOf('{flowscope: 1, name: [')).toBe('yaml');
  });

  it('reads the name of an invalid scenario for the title', () => {
    expect(scenarioNameOf('name: Broken\nsteps: 3')).toBe('Broken');
    expect(scenarioNameOf('{"name": "J"}')).toBe('J');
    expect(scenarioNameOf('name: [')).toBeUndefined();
    expect(scenarioNameOf('- a')).toBeUndefined();
  });
});
