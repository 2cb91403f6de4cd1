import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_SCENARIO_DIR } from './package-root.ts';
import { builtinScenarioPath, findScenarioFiles } from './scenario-files.ts';

// A folder with no scenarios in it: what a user's own project looks like to these paths.
const elsewhere = os.tmpdir();

describe('scenario paths from any project', () => {
  it('finds a built-in pack, and a file in one, by the path the docs name', async () => {
    const file = path.join(BUILTIN_SCENARIO_DIR, 'golden', 'complete-flow.yaml');
    expect(await findScenarioFiles(['golden/complete-flow.yaml'], elsewhere)).toEqual([file]);
    expect(await findScenarioFiles(['golden'], elsewhere)).toContain(file);
    expect((await builtinScenarioPath('golden/complete-flow.yaml'))?.full).toBe(file);
  });

  it('refuses what is not in a pack, naming the packs and a file in one', async () => {
    expect(await builtinScenarioPath('golden/../../package.json')).toBeUndefined();
    expect(await builtinScenarioPath('golden/../resume/resume-after-drop.yaml')).toBeUndefined();
    expect(await builtinScenarioPath('nope/complete-flow.yaml')).toBeUndefined();
    expect(await builtinScenarioPath('golden/nope.yaml')).toBeUndefined();
    expect(await builtinScenarioPath(path.join(BUILTIN_SCENARIO_DIR, 'golden'))).toBeUndefined();
    await expect(findScenarioFiles(['golden/nope.yaml'], elsewhere)).rejects.toThrow(
      /^golden\/nope\.yaml: no such file or folder \(built-in packs: .*golden.*; a file in one: golden\/complete-flow\.yaml\)$/,
    );
  });
});
