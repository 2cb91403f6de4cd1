/** `disconnect`: closes the user's connection cleanly. */
import { z } from 'zod';
import { stepUserOf, userKey } from './fields.ts';
import { defineStep } from './step-definition.ts';

export const disconnectStepSchema = z.union([userKey, z.strictObject({ user: userKey })]);

export const disconnectStep = defineStep({
  kind: 'disconnect',
  schema: () => disconnectStepSchema,
  description: "Close the user's connection cleanly.",
  user: stepUserOf,
  label: (spec) => `disconnect ${stepUserOf(spec) ?? '?'}`,
  async run(spec, run) {
    const u = run.user(typeof spec === 'string' ? spec : spec.user);
    run.result.title = `disconnect ${u.key}`;
    u.connection?.close();
    u.connection = undefined;
  },
});
