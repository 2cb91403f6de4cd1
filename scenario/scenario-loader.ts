/**
 * Reads a scenario from JSON or YAML text and validates it. Every problem comes back with
 * where it is (a path in the document, and a line for syntax errors), never as a throw.
 */
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ScenarioIssue } from '../protocol/index.ts';
import { scenarioTextFormat, validateScenario, type Scenario } from './scenario-schema.ts';

export { isJsonText, scenarioTextFormat } from './scenario-schema.ts';

export type LoadResult = { ok: true; scenario: Scenario } | { ok: false; issues: ScenarioIssue[] };

/** Parses JSON or YAML (chosen by file name, else by content) and validates the scenario. */
export function loadScenarioText(text: string, fileName = ''): LoadResult {
  let doc: unknown;
  // JSON errors are shown for a .json name only; without a name the content decides.
  const json = /\.json$/i.test(fileName) || (!/\.ya?ml$/i.test(fileName) && scenarioTextFormat(text) === 'json');
  try {
    doc = json ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, merge: true });
  } catch (err) {
    if (err instanceof YAMLParseError) {
      const line = err.linePos?.[0];
      return { ok: false, issues: [{ path: line ? `line ${line.line}:${line.col}` : '(document)', message: err.message.split('\n')[0] ?? err.message }] };
    }
    return { ok: false, issues: [{ path: '(document)', message: `not valid ${json ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return { ok: false, issues: [{ path: '(document)', message: 'a scenario is an object with flowscope: 1, name, users and steps' }] };
  }
  return validateScenario(doc);
}

export function formatIssues(issues: ScenarioIssue[]): string {
  return issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
}
