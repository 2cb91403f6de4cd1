/** `wait`: waits until the user receives an envelope matching a pattern; each wait consumes its match. */
import { z } from 'zod';
import { matches, mismatches, short, show, type Mismatch } from '../pattern-matcher.ts';
import { lookupPath, type TemplateScope } from '../template-renderer.ts';
import { captureSchema, patternSchema, timeoutMs, userKey } from './fields.ts';
import { claim, defineStep, StepFailed, summarize, type InboxItem } from './step-definition.ts';

export const waitStepSchema = z.strictObject({
  user: userKey,
  /** Pattern an envelope received by the user must match; each wait consumes the first unconsumed match. */
  match: patternSchema,
  timeout_ms: timeoutMs.optional(),
  capture: captureSchema.optional(),
});

export type WaitStep = z.infer<typeof waitStepSchema>;

export const waitStep = defineStep({
  kind: 'wait',
  schema: () => waitStepSchema,
  description: 'Wait until the user receives an envelope matching the pattern; each wait consumes its match.',
  user: (spec) => spec.user,
  patterns: (spec) => [['match', spec.match]],
  label: (spec) => `wait for ${spec.user}: ${short(spec.match)}`,
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.user);
    const pattern = run.render(spec.match);
    result.title = `wait for ${u.key} to receive ${show(pattern)}`;
    const timeout = run.timeout(spec.timeout_ms);
    const item = await run.waitFor(
      () => claim(u.inbox.find((i) => !i.consumed && matches(pattern, i.envelope))),
      timeout,
      () => {
        const unconsumed = u.inbox.filter((i) => !i.consumed);
        // The closest candidate: the one with the fewest mismatches.
        let best: { item: InboxItem; diff: Mismatch[] } | undefined;
        for (const i of unconsumed) {
          const diff = mismatches(pattern, i.envelope);
          if (!best || diff.length < best.diff.length) best = { item: i, diff };
        }
        return {
          message: `nothing matching arrived within ${timeout} ms (${unconsumed.length} unmatched envelope(s) received)`,
          expected: [show(pattern)],
          received: best
            ? [`closest: ${summarize(best.item.envelope)}`, ...best.diff.map((m) => `  ${m.path}: expected ${m.expected}, received ${m.received}`)]
            : ['nothing'],
        };
      },
      u,
      { waiting_for: show(pattern) },
    );
    result.title = `wait for ${u.key}: ${summarize(item.envelope)}`;
    for (const [name, path] of Object.entries(spec.capture ?? {})) {
      const found = lookupPath(item.envelope as unknown as TemplateScope, path);
      if (!found.found) throw new StepFailed({ message: `capture ${name}: the matched envelope has no "${path}"`, received: [show(item.envelope)] });
      run.vars[name] = found.value;
    }
  },
});
