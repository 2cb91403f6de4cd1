/** `sleep`: waits this many milliseconds. */
import { z } from 'zod';
import { defineStep } from './step-definition.ts';

export const sleepStep = defineStep({
  kind: 'sleep',
  schema: () => z.number().int().min(0).max(600_000),
  description: 'Wait this many milliseconds.',
  label: (ms) => `sleep ${ms} ms`,
  async run(ms, run) {
    run.result.title = `sleep ${ms} ms`;
    await run.sleep(ms);
  },
});
