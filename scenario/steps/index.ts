/**
 * The step registry: every step kind, listed once. A kind is one file here exporting its
 * StepDefinition (schema, label, execution); everything else is derived from this list: the
 * schema's step union (scenario-schema.ts), STEP_KINDS, the ScenarioStep type, the labels
 * (step-label.ts), the runner's dispatch and the console's step descriptions.
 */
import { connectStep } from './connect.ts';
import { disconnectStep } from './disconnect.ts';
import { dropStep } from './drop.ts';
import { expectCountStep } from './expect-count.ts';
import { expectNothingStep } from './expect-nothing.ts';
import { expectOrderStep } from './expect-order.ts';
import { expectRunStep } from './expect-run.ts';
import { expectSnapshotStep } from './expect-snapshot.ts';
import { parallelStep } from './parallel.ts';
import { repeatStep } from './repeat.ts';
import { resumeStep } from './resume.ts';
import { sendStep } from './send.ts';
import { setStep } from './set.ts';
import { sleepStep } from './sleep.ts';
import { waitStep } from './wait.ts';
import type { NestedStep, StepDefinition } from './step-definition.ts';

/** The step kinds, in the order the JSON Schema and error messages list them. */
export const STEP_DEFINITIONS = [
  connectStep,
  disconnectStep,
  dropStep,
  sendStep,
  waitStep,
  expectRunStep,
  expectNothingStep,
  expectOrderStep,
  expectCountStep,
  expectSnapshotStep,
  resumeStep,
  sleepStep,
  setStep,
  repeatStep,
  parallelStep,
] as const;

type Definition = (typeof STEP_DEFINITIONS)[number];
export type StepKind = Definition['kind'];
type SpecOf<D> = D extends StepDefinition<string, infer S> ? S : never;

/** A step file's NestedStep placeholders, resolved to ScenarioStep. */
type Resolve<T> = T extends NestedStep
  ? ScenarioStep
  : T extends readonly (infer U)[]
    ? Resolve<U>[]
    : T extends object
      ? { [P in keyof T]: Resolve<T[P]> }
      : T;

type StepFields = { [D in Definition as D['kind']]?: Resolve<SpecOf<D>> };

/** One step: exactly one step key (a kind) and an optional name. */
export interface ScenarioStep extends StepFields {
  name?: string | undefined;
}

export const STEP_KINDS: readonly StepKind[] = STEP_DEFINITIONS.map((d) => d.kind);

const BY_KIND = new Map<string, StepDefinition<StepKind, unknown>>(STEP_DEFINITIONS.map((d) => [d.kind, d as StepDefinition<StepKind, unknown>]));

/** The definition of a step kind; undefined for a key that is no kind. */
export function stepDefinition(kind: string): StepDefinition<StepKind, unknown> | undefined {
  return BY_KIND.get(kind);
}

/** A step's kind (its one key besides `name`) and that key's value. */
export function stepKindOf(step: ScenarioStep): { kind: string; definition: StepDefinition<StepKind, unknown> | undefined; spec: unknown } {
  const kind = Object.keys(step).find((k) => k !== 'name') ?? 'unknown';
  return { kind, definition: BY_KIND.get(kind), spec: (step as Record<string, unknown>)[kind] };
}
