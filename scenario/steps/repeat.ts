/** `repeat`: runs its steps `times` times, the iteration number in `index`; stops at the first failed iteration. */
import { z } from 'zod';
import type { StepResult } from '../scenario-result.ts';
import { varName } from './fields.ts';
import { defineStep, type NestedStep } from './step-definition.ts';

export interface RepeatStep {
  times: number;
  index?: string | undefined;
  steps: NestedStep[];
}

export const repeatStep = defineStep<'repeat', RepeatStep>({
  kind: 'repeat',
  schema: (step) =>
    z.strictObject({
      times: z.number().int().min(1).max(10_000),
      index: varName.optional(),
      steps: z.array(step).min(1),
    }),
  nested: (spec) => [['steps', spec.steps]],
  label: (spec) => `repeat ${spec.times}×`,
  async run({ times, index, steps }, run) {
    const { result } = run;
    result.title = `repeat ${times}×`;
    result.children = [];
    for (let n = 0; n < times; n++) {
      const inner: StepResult[] = [];
      const ok = await run.runSteps(steps, n + 1, inner, index ? { [index]: n } : {});
      result.children.push({
        id: `${result.id}.${n + 1}`,
        kind: 'iteration',
        label: `iteration ${n + 1}`,
        title: `iteration ${n + 1}${index ? ` (${index} = ${n})` : ''}`,
        status: ok ? 'passed' : 'failed',
        started_ms: inner[0]?.started_ms ?? run.now(),
        duration_ms: inner.reduce((s, c) => s + c.duration_ms, 0),
        children: inner,
        ...(ok ? {} : { failure: { message: `iteration ${n + 1} failed` } }),
      });
      if (!ok) break;
    }
  },
});
