/** `parallel`: runs its branches at the same time; each branch's steps run in order. */
import { z } from 'zod';
import type { StepResult } from '../scenario-result.ts';
import { defineStep, type NestedStep } from './step-definition.ts';

export type ParallelStep = NestedStep[][];

export const parallelStep = defineStep<'parallel', ParallelStep>({
  kind: 'parallel',
  schema: (step) => z.array(z.array(step).min(1)).min(1).max(64),
  nested: (branches) => branches.map((branch, b): [string, NestedStep[]] => [`[${b}]`, branch]),
  label: (branches) => `parallel: ${branches.length} branches`,
  async run(branches, run) {
    const { result } = run;
    result.title = `parallel: ${branches.length} branches`;
    const nodes = branches.map((branch, b) => {
      const inner: StepResult[] = [];
      const node: StepResult = {
        id: `${result.id}.${b + 1}`,
        kind: 'branch',
        label: `branch ${b + 1}`,
        title: `branch ${b + 1}`,
        status: 'passed',
        started_ms: run.now(),
        duration_ms: 0,
        children: inner,
      };
      const started = performance.now();
      return run.runSteps(branch, b + 1, inner).then((ok) => {
        node.status = ok ? 'passed' : 'failed';
        if (!ok) node.failure = { message: `branch ${b + 1} failed` };
        node.duration_ms = Math.round(performance.now() - started);
        return node;
      });
    });
    result.children = await Promise.all(nodes);
  },
});
