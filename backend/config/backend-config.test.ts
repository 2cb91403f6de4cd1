import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './backend-config.ts';

describe('loadConfig scenarioDir', () => {
  it('is unset by default, read from SCENARIO_DIR, overridden by --scenario-dir, resolved', () => {
    expect(loadConfig({}, []).scenarioDir).toBeUndefined();
    expect(loadConfig({ SCENARIO_DIR: 'pack' }, []).scenarioDir).toBe(path.resolve('pack'));
    expect(loadConfig({ SCENARIO_DIR: 'pack' }, ['--scenario-dir', '/srv/other']).scenarioDir).toBe(path.resolve('/srv/other'));
  });
});
