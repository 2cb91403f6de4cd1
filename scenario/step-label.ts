/**
 * A step's label from its definition alone (templates unrendered): the same on every run,
 * so CI tools can track a JUnit test case across runs. The live title adds what happened.
 * Each kind's label is its step file's (scenario/steps/).
 */
import { stepKindOf, type ScenarioStep } from './steps/index.ts';

export function stepLabel(step: ScenarioStep): string {
  if (step.name) return step.name;
  const { definition, spec } = stepKindOf(step);
  return definition && spec !== undefined ? definition.label(spec) : 'step';
}
