/**
 * Scenario text in the editor: a starting point for New, YAML for recorded scenarios, the name
 * of text being typed. Reading it (and validation as you type) is the loader's checkScenarioText
 * (scenario/scenario-loader.ts).
 */
import { stringify } from 'yaml';
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import type { Scenario } from '../../../../scenario/scenario-schema.ts';

export const NEW_SCENARIO_TEXT = `flowscope: 1
name: New scenario
description: One user asks a question; the run shows all five event types and succeeds.
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

/** The `name` of a parsed scenario document that may be invalid; undefined when it has none. */
export function scenarioNameOfDoc(doc: unknown): string | undefined {
  const name = doc && typeof doc === 'object' ? (doc as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name.trim() ? name : undefined;
}

/** The `name` of scenario text that may be invalid (for the editor's title); undefined when unreadable. */
export function scenarioNameOf(text: string): string | undefined {
  return scenarioNameOfDoc(checkScenarioText(text).doc);
}
