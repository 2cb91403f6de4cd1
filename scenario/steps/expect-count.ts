/** `expect_count`: after within_ms, counts every envelope the user received that matches; the count is a number or a pattern. */
import { z } from 'zod';
import { matches, short, show } from '../pattern-matcher.ts';
import { patternSchema, userKey } from './fields.ts';
import { defineStep, StepFailed, summarize } from './step-definition.ts';

export const expectCountStepSchema = z.strictObject({
  user: userKey,
  /** Pattern of the envelopes to count: every one the user received, waits or not. */
  match: patternSchema,
  /** The count: a number, or a pattern such as `{$gte: 1}`. */
  count: z.union([z.number().int().min(0), z.record(z.string(), z.unknown())]),
  /** Wait this long first, so late arrivals count. Default 200 ms. */
  within_ms: z.number().int().min(0).max(60_000).optional(),
});

export type ExpectCountStep = z.infer<typeof expectCountStepSchema>;

export const expectCountStep = defineStep({
  kind: 'expect_count',
  schema: () => expectCountStepSchema,
  description: 'After within_ms, count every envelope the user received that matches; count is a number or a pattern.',
  user: (spec) => spec.user,
  patterns: (spec) => [
    ['match', spec.match],
    ['count', spec.count],
  ],
  label: (spec) => `expect_count ${spec.user}: ${short(spec.count, 20)} × ${short(spec.match)}`,
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.user);
    const pattern = run.render(spec.match);
    const count = run.render(spec.count);
    result.title = `expect ${u.key} received ${show(count)} × ${show(pattern)}`;
    await run.sleep(spec.within_ms ?? 200);
    const matching = u.inbox.filter((i) => matches(pattern, i.envelope));
    if (!matches(count, matching.length)) {
      throw new StepFailed({
        message: `${u.key} received ${matching.length} matching envelope(s), expected ${show(count)}`,
        expected: [`count: ${show(count)}`],
        received: [`count: ${matching.length}`, ...matching.slice(0, 20).map((i) => `  ${summarize(i.envelope)}`)],
      });
    }
    result.title = `expect ${u.key} received ${matching.length} × ${show(pattern)}`;
  },
});
