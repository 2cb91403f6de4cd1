/** `drop`: cuts the user's transport without a clean close (then connect again and resume). */
import { z } from 'zod';
import { stepUserOf, userKey } from './fields.ts';
import { defineStep, StepFailed } from './step-definition.ts';

export const dropStepSchema = z.union([userKey, z.strictObject({ user: userKey })]);

export const dropStep = defineStep({
  kind: 'drop',
  schema: () => dropStepSchema,
  description: "Cut the user's transport without a clean close (then connect again and resume).",
  user: stepUserOf,
  label: (spec) => `drop ${stepUserOf(spec) ?? '?'}`,
  async run(spec, run) {
    const u = run.user(typeof spec === 'string' ? spec : spec.user);
    run.result.title = `drop ${u.key}'s connection`;
    if (!u.connection) throw new StepFailed({ message: `${u.key} is not connected` });
    const conn = u.connection;
    conn.drop();
    await run.waitFor(
      () => (conn.state === 'open' ? undefined : true),
      5000,
      () => ({ message: 'the connection did not close after the drop' }),
    );
    u.connection = undefined;
    run.result.detail = `connection state ${conn.state}`;
  },
});
