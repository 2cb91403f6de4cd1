import { describe, expect, it } from 'vitest';
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { NEW_SCENARIO_TEXT, scenarioNameOf, scenarioToYaml } from './scenario-text.ts';

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

  it('reads the name of an invalid scenario for the title', () => {
    expect(scenarioNameOf('name: Broken\nsteps: 3')).toBe('Broken');
    expect(scenarioNameOf('{"name": "J"}')).toBe('J');
    expect(scenarioNameOf('name: [')).toBeUndefined();
    expect(scenarioNameOf('- a')).toBeUndefined();
  });
});
