/** `set`: sets variables (templates allowed). */
import { z } from 'zod';
import { varName } from './fields.ts';
import { defineStep } from './step-definition.ts';

export const setStepSchema = z.record(varName, z.unknown());

export const setStep = defineStep({
  kind: 'set',
  schema: () => setStepSchema,
  description: 'Set variables (templates allowed).',
  label: (values) => `set ${Object.keys(values).join(', ')}`,
  async run(spec, run) {
    const values = run.render(spec);
    Object.assign(run.vars, values);
    run.result.title = `set ${Object.keys(values).join(', ')}`;
  },
});
