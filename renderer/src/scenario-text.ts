/** Scenario text in the editor: a starting point for New, YAML for recorded scenarios, validation as you type. */
import { parse, stringify } from 'yaml';
import { loadScenarioText, scenarioTextFormat, type LoadResult } from '../../scenario/scenario-loader.ts';
import type { ScenarioFormat } from '../../protocol/index.ts';
import type { Scenario } from '../../scenario/scenario-schema.ts';

export const NEW_SCENARIO_TEXT = `flowscope: 1
name: New scenario
description: One user asks a question; the run shows all five events and succeeds.
tags: [draft]
users:
  a: {}
steps:
  - connect: a
  - send:
      as: a
      message: { type: user_message, payload: { content: "What is 2 + 2?" } }
      save_as: r1
  - expect_run:
      user: a
      run: "{{r1.run_id}}"
      status: succeeded
      response: { $contains: "4" }
`;

export function scenarioToYaml(scenario: Scenario): string {
  return stringify(scenario, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The format of scenario text: JSON only when it parses as JSON, otherwise YAML, so a YAML
 * flow-style scenario (`{flowscope: 1, ...}`) is YAML. Text that reads as neither (being
 * typed) stays JSON while it starts like a JSON object (`{"`), so the error shown is JSON's.
 */
export function scenarioFormatOf(text: string): ScenarioFormat {
  if (scenarioTextFormat(text) === 'json') return 'json';
  return /^\s*\{\s*"/.test(text) && !parsesAsYaml(text) ? 'json' : 'yaml';
}

function parsesAsYaml(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses and validates editor text, JSON or YAML as scenarioFormatOf tells them apart. */
export function checkScenarioText(text: string): LoadResult & { format: ScenarioFormat } {
  const format = scenarioFormatOf(text);
  return { ...loadScenarioText(text, format === 'json' ? 'scenario.json' : 'scenario.yaml'), format };
}

/** The `name` of scenario text that may be invalid (for the editor's title); undefined when unreadable. */
export function scenarioNameOf(text: string): string | undefined {
  try {
    const doc: unknown = parse(text);
    const name = doc && typeof doc === 'object' ? (doc as { name?: unknown }).name : undefined;
    return typeof name === 'string' && name.trim() ? name : undefined;
  } catch {
    return undefined;
  }
}
