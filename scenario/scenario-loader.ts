/**
 * The one reader of scenario text (the CLI, the console's editor and the backend's library
 * all use it): JSON or YAML, then the schema. Every problem comes back with where it is (a
 * path in the document, and a line for syntax errors), never as a throw.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ScenarioFormat } from '../protocol/index.ts';
import { isJsonText } from './json-text.ts';
import { validateScenario, type Scenario, type ScenarioIssue } from './scenario-schema.ts';

/**
 * The format of scenario text without a file name: JSON only when it parses as JSON; anything
 * else (a YAML flow-style `{flowscope: 1, ...}` included) is YAML, YAML being a superset of
 * JSON. Text that reads as neither (being typed, or broken) stays JSON while it starts like a
 * JSON object (`{"`), so the error shown is JSON's.
 */
export function scenarioTextFormat(text: string): ScenarioFormat {
  if (/^\s*[{[]/.test(text) && isJsonText(text)) return 'json';
  return /^\s*\{\s*"/.test(text) && !parsesAsYaml(text) ? 'json' : 'yaml';
}

function parsesAsYaml(text: string): boolean {
  try {
    parseYaml(text, YAML_OPTIONS);
    return true;
  } catch {
    return false;
  }
}

const YAML_OPTIONS = { maxAliasCount: 100, merge: true } as const;

export interface LoadOptions {
  /** The format when it is known (a library file's extension, an API body's `format`); wins over `file`. */
  format?: ScenarioFormat | undefined;
  /** A file name: `.json` is JSON, `.yaml`/`.yml` YAML; any other name, or none, goes by content (scenarioTextFormat). */
  file?: string | undefined;
}

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

/** A load with what was read on the way: the format used and the parsed document (for the name and tags of an invalid one). */
export type CheckedScenarioText = LoadResult & {
  format: ScenarioFormat;
  /** The parsed document; undefined when the text does not parse. */
  doc: unknown;
};

/** The format the loader reads text in, from the options, else the content. */
export function formatOfText(text: string, options: LoadOptions = {}): ScenarioFormat {
  if (options.format) return options.format;
  const file = options.file ?? '';
  if (/\.json$/i.test(file)) return 'json';
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  return scenarioTextFormat(text);
}

function syntaxIssue(err: unknown, format: ScenarioFormat): ScenarioIssue {
  if (err instanceof YAMLParseError) {
    const line = err.linePos?.[0];
    return { path: line ? `line ${line.line}:${line.col}` : '(document)', message: err.message.split('\n')[0] ?? err.message };
  }
  return { path: '(document)', message: `not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}` };
}

/** Parses JSON or YAML (see LoadOptions) and validates the scenario, keeping the format and the parsed document. */
export function checkScenarioText(text: string, options: LoadOptions = {}): CheckedScenarioText {
  const format = formatOfText(text, options);
  let doc: unknown;
  try {
    doc = format === 'json' ? JSON.parse(text) : parseYaml(text, YAML_OPTIONS);
  } catch (err) {
    return { ok: false, issues: [syntaxIssue(err, format)], format, doc: undefined };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, issues: [{ path: '(document)', message: 'a scenario is an object with flowscope: 1, name, users and steps' }], format, doc };
  }
  return { ...validateScenario(doc), format, doc };
}

/** Parses JSON or YAML (see LoadOptions) and validates the scenario. */
export function loadScenarioText(text: string, options: LoadOptions = {}): LoadResult {
  const checked = checkScenarioText(text, options);
  return checked.ok ? { ok: true, scenario: checked.scenario } : { ok: false, issues: checked.issues };
}

export function formatIssues(issues: ScenarioIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
}
