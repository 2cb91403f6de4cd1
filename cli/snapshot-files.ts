/** Snapshots beside a scenario file: `<its folder>/__snapshots__/<file base>.<name>.json` (written via a temp file and rename). */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ScenarioResult, StepResult } from '../scenario/scenario-result.ts';
import { SNAPSHOT_DIR, snapshotFileName, type SnapshotStore } from '../scenario/trace-snapshot.ts';

const SCENARIO_FILE = /\.(ya?ml|json)$/i;

function scenarioBase(file: string): string {
  return path.basename(file).replace(SCENARIO_FILE, '');
}

/** The mode from the flags and environment: --update-snapshots, else CI (set and not `false`/`0`), else local. */
export function snapshotMode(update: boolean, env: Record<string, string | undefined>): SnapshotStore['mode'] {
  if (update) return 'update';
  const ci = env.CI?.trim().toLowerCase();
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0' ? 'ci' : 'local';
}

/**
 * The store of one scenario file. `file` is the scenario as the user named it (relative paths
 * stay relative in messages); `cwd` resolves it.
 */
export function fileSnapshotStore(file: string, cwd: string, mode: SnapshotStore['mode']): SnapshotStore & { written: string[] } {
  const base = scenarioBase(file);
  const shown = (name: string) => path.join(path.dirname(file), SNAPSHOT_DIR, snapshotFileName(base, name));
  const absolute = (name: string) => path.resolve(cwd, shown(name));
  const written: string[] = [];
  return {
    mode,
    written,
    location: shown,
    async read(name) {
      try {
        return await fsp.readFile(absolute(name), 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    },
    async write(name, text) {
      const target = absolute(name);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      const temp = `${target}.${process.pid}.tmp`;
      await fsp.writeFile(temp, text);
      await fsp.rename(temp, target);
      written.push(shown(name));
    },
  };
}

/** The snapshot files (as shown, relative like `file`) that the expect_snapshot steps of a result compared or wrote. */
export function usedSnapshots(result: ScenarioResult): string[] {
  const used: string[] = [];
  const visit = (steps: StepResult[]) => {
    for (const step of steps) {
      if (step.snapshot) used.push(step.snapshot.file);
      if (step.children) visit(step.children);
    }
  };
  visit(result.steps);
  return used;
}

/** Whether an expect_snapshot step of the scenario has a templated name (`turn-{{i}}`, `{{agent}}-flow`). */
export function hasTemplatedSnapshotName(scenario: unknown): boolean {
  if (Array.isArray(scenario)) return scenario.some(hasTemplatedSnapshotName);
  if (scenario === null || typeof scenario !== 'object') return false;
  const step = (scenario as Record<string, unknown>).expect_snapshot;
  if (step && typeof step === 'object' && typeof (step as { name?: unknown }).name === 'string' && (step as { name: string }).name.includes('{{')) return true;
  return Object.values(scenario).some(hasTemplatedSnapshotName);
}

/**
 * The snapshot files of scenario file `file` that no step used in a complete run (`used`: the
 * files its expect_snapshot steps compared or wrote), sorted, as shown (relative like `file`).
 * A file in `__snapshots__` belongs to the scenario file of the folder with the longest base
 * it starts with (`flow.admin.x.json` is `flow.admin.yaml`'s when both exist).
 */
export async function obsoleteSnapshots(file: string, cwd: string, used: string[]): Promise<string[]> {
  const shownDir = path.dirname(file);
  const dir = path.resolve(cwd, shownDir);
  let entries: string[];
  try {
    entries = await fsp.readdir(path.join(dir, SNAPSHOT_DIR));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
  const base = scenarioBase(file);
  const bases = (await fsp.readdir(dir)).filter((name) => SCENARIO_FILE.test(name)).map(scenarioBase);
  const owner = (entry: string) =>
    bases
      .filter((b) => entry.startsWith(`${b}.`))
      .reduce<string | undefined>((longest, b) => (longest === undefined || b.length > longest.length ? b : longest), undefined);
  const usedFiles = new Set(used.map((u) => path.resolve(cwd, u)));
  return entries
    .filter((entry) => entry.endsWith('.json') && owner(entry) === base)
    .map((entry) => path.join(shownDir, SNAPSHOT_DIR, entry))
    .filter((shown) => !usedFiles.has(path.resolve(cwd, shown)))
    .sort();
}

/** Removes snapshot files (as shown, relative to `cwd`); one already gone is not an error. */
export async function removeSnapshots(files: string[], cwd: string): Promise<void> {
  for (const file of files) await fsp.rm(path.resolve(cwd, file), { force: true });
}
