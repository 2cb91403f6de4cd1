import { describe, expect, it } from 'vitest';
import { checkScenarioText, NEW_SCENARIO_TEXT, scenarioNameOf, scenarioToYaml } from './scenario-text.ts';

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

  it('reads the name of an invalid scenario for the title', () => {
    expect(scenarioNameOf('name: Broken\nsteps: 3')).toBe('Broken');
    expect(scenarioNameOf('{"name": "J"}')).toBe('J');
    expect(scenarioNameOf('name: [')).toBeUndefined();
    expect(scenarioNameOf('- a')).toBeUndefined();
  });
});
