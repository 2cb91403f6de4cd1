/**
 * Where a step of a run is written in the scenario text, as the CLI reports it
 * (`file:line:column`, cli/scenario-files.ts): the step id's document path
 * (scenario/scenario-source-position.ts, `stepSourcePath`) resolved in the text that ran.
 */
import { checkScenarioText } from '../../../../scenario/scenario-loader.ts';
import { sourceLocator, stepSourcePath, type SourcePosition } from '../../../../scenario/scenario-source-position.ts';

export type StepLocator = (stepId: string) => SourcePosition | undefined;

/** A locator of step ids in `text` (parsed once); every id is undefined when the text does not load. */
export function stepLocator(text: string): StepLocator {
  const checked = checkScenarioText(text);
  if (!checked.ok) return () => undefined;
  const locate = sourceLocator(text);
  return (id) => {
    const path = stepSourcePath(checked.scenario, id);
    return path === undefined ? undefined : locate(path);
  };
}

/** `file:line:column` as the CLI prints it. */
export function sourceLabel(file: string, at: SourcePosition): string {
  return `${file}:${at.line}:${at.column}`;
}
