/** Finds and reads scenario files: files given by name, folders searched recursively. */
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { loadScenarioText } from '../scenario/scenario-loader.ts';
import { formatLocatedIssues, locateIssues, sourceLocator, stepSourcePath } from '../scenario/scenario-source-position.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';
import { BUILTIN_SCENARIO_DIR, builtinPacks } from './package-root.ts';

export const SCENARIO_EXTENSIONS = ['.json', '.yaml', '.yml'];

export interface LoadedScenarioFile {
  file: string;
  scenario?: Scenario;
  /** Why the file could not be used, with paths into the document. */
  error?: string;
  /** Not a scenario at all (no `flowscope:` key): a report or other file in the folder, skipped. */
  notScenario?: boolean;
  /** `file:line:column` of a step result's id (`4.2.1`), for failures. */
  stepSource?: (id: string) => string | undefined;
}

const FORMAT_KEY = /["']?\bflowscope["']?\s*:/;

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (SCENARIO_EXTENSIONS.includes(path.extname(entry.name).toLowerCase())) out.push(full);
  }
}

/**
 * A relative path that is no path here but names a pack of the built-in scenarios, or a file
 * or folder in one (`golden`, `golden/complete-flow.yaml`): that path in the installed
 * package, so the docs' examples run from any project. Undefined otherwise.
 */
export async function builtinScenarioPath(input: string): Promise<{ full: string; stat: Stats } | undefined> {
  if (path.isAbsolute(input)) return undefined;
  const [pack] = input.split(/[\\/]/);
  if (!pack || !builtinPacks().includes(pack)) return undefined;
  const packDir = path.join(BUILTIN_SCENARIO_DIR, pack);
  const full = path.resolve(BUILTIN_SCENARIO_DIR, input);
  // Inside the pack (no `golden/../..`, no `golden/../other-pack`), and there.
  if (full !== packDir && !full.startsWith(packDir + path.sep)) return undefined;
  const stat = await fs.stat(full).catch(() => undefined);
  return stat ? { full, stat } : undefined;
}

/** The error for a scenario path that is neither here nor in a built-in pack. */
export function noSuchScenario(input: string, what = 'file or folder'): string {
  const packs = builtinPacks();
  return `${input}: no such ${what}${packs.length ? ` (built-in packs: ${packs.join(', ')}; a file in one: ${packs.includes('golden') ? 'golden/complete-flow.yaml' : `${packs[0]}/…`})` : ''}`;
}

/**
 * Expands the arguments to files; a missing path is an error naming it. A path that is no
 * path here but a built-in pack or a file in one (`golden`, `golden/complete-flow.yaml`) is
 * that (builtinScenarioPath), so an installed Flowscope runs them from any project.
 */
export async function findScenarioFiles(inputs: string[], cwd = process.cwd()): Promise<string[]> {
  const files: string[] = [];
  for (const input of inputs) {
    let full = path.resolve(cwd, input);
    let stat;
    try {
      stat = await fs.stat(full);
    } catch {
      const builtin = await builtinScenarioPath(input);
      if (!builtin) throw new Error(noSuchScenario(input));
      ({ full, stat } = builtin);
    }
    if (stat.isDirectory()) await walk(full, files);
    else files.push(full);
  }
  return [...new Set(files)];
}

export async function loadScenarioFile(file: string, cwd = process.cwd()): Promise<LoadedScenarioFile> {
  const rel = path.relative(cwd, file) || file;
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return { file: rel, error: `cannot read: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!FORMAT_KEY.test(text)) return { file: rel, notScenario: true, error: 'not a scenario (no flowscope: key)' };
  const loaded = loadScenarioText(text, { file });
  // Each problem at file:line:column (from its path into the document), so a terminal or CI links it.
  if (!loaded.ok) return { file: rel, error: `invalid scenario:\n${formatLocatedIssues(rel, locateIssues(text, loaded.issues))}` };
  const scenario = loaded.scenario;
  const locate = sourceLocator(text);
  const stepSource = (id: string) => {
    const at = stepSourcePath(scenario, id);
    const pos = at === undefined ? undefined : locate(at);
    return pos ? `${rel}:${pos.line}:${pos.column}` : undefined;
  };
  return { file: rel, scenario, stepSource };
}
