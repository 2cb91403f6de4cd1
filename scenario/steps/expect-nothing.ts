/** `expect_nothing`: after within_ms, fails if the user received anything matching (default: any run event or ack). */
import { z } from 'zod';
import { RUN_EVENT_TYPES } from '../../protocol/index.ts';
import { matches, short, show } from '../pattern-matcher.ts';
import { patternSchema, userKey } from './fields.ts';
import { defineStep, StepFailed, summarize } from './step-definition.ts';

export const expectNothingStepSchema = z.strictObject({
  user: userKey,
  /** Pattern of what must not have arrived; default: any run event or ack. */
  match: patternSchema.optional(),
  /** Wait this long first, so late arrivals count. Default 200 ms. */
  within_ms: z.number().int().min(0).max(60_000).optional(),
});

export type ExpectNothingStep = z.infer<typeof expectNothingStepSchema>;

export const expectNothingStep = defineStep({
  kind: 'expect_nothing',
  schema: () => expectNothingStepSchema,
  description: 'After within_ms, fail if the user received anything matching (default: any run event or ack).',
  user: (spec) => spec.user,
  patterns: (spec) => (spec.match !== undefined ? [['match', spec.match]] : []),
  label: (spec) => `expect_nothing ${spec.user}${spec.match !== undefined ? `: ${short(spec.match)}` : ''}`,
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.user);
    const pattern = spec.match !== undefined ? run.render(spec.match) : { type: { $oneOf: [...RUN_EVENT_TYPES, 'message_ack'] } };
    const within = spec.within_ms ?? 200;
    result.title = `expect ${u.key} received nothing matching ${show(pattern)}`;
    await run.sleep(within);
    const offending = u.inbox.filter((i) => matches(pattern, i.envelope));
    if (offending.length > 0) {
      throw new StepFailed({
        message: `${u.key} received ${offending.length} envelope(s) it must not`,
        expected: ['nothing'],
        received: offending.slice(0, 20).map((i) => summarize(i.envelope)),
      });
    }
    result.detail = `${u.inbox.length} envelope(s) received in all, none matching`;
  },
});
