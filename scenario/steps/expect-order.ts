/** `expect_order`: the runs' events of one type arrived in this order (priority, FIFO). */
import { z } from 'zod';
import { RUN_EVENT_TYPES } from '../../protocol/index.ts';
import { sequenceDiff } from '../run-expectations.ts';
import { timeoutMs, userKey } from './fields.ts';
import { defineStep, StepFailed } from './step-definition.ts';

export const expectOrderStepSchema = z.strictObject({
  user: userKey,
  /** The event type whose arrival order is checked (default agent_started). */
  event: z.enum(RUN_EVENT_TYPES).optional(),
  /** Run ids in the order their events must have arrived. */
  runs: z.array(z.string().min(1)).min(2).max(200),
  timeout_ms: timeoutMs.optional(),
});

export type ExpectOrderStep = z.infer<typeof expectOrderStepSchema>;

export const expectOrderStep = defineStep({
  kind: 'expect_order',
  schema: () => expectOrderStepSchema,
  description: "The runs' events of one type arrived in this order (priority, FIFO).",
  user: (spec) => spec.user,
  label: (spec) => `expect_order ${spec.user}: ${spec.runs.length} runs`,
  async run(spec, run) {
    const u = run.user(spec.user);
    const type = spec.event ?? 'agent_started';
    const runIds = spec.runs.map((r) => run.renderStr(r));
    const timeout = run.timeout(spec.timeout_ms);
    run.result.title = `expect ${type} order of ${runIds.length} runs for ${u.key}`;
    const positions = (): number[] => runIds.map((id) => u.inbox.findIndex((i) => i.envelope.type === type && i.envelope.run_id === id));
    await run.waitFor(
      () => (positions().every((p) => p >= 0) ? true : undefined),
      timeout,
      () => ({ message: `not every run had a ${type} within ${timeout} ms`, expected: runIds, received: runIds.filter((_, i) => positions()[i] !== -1) }),
    );
    const pos = positions();
    const actual = [...runIds].sort((a, b) => (pos[runIds.indexOf(a)] as number) - (pos[runIds.indexOf(b)] as number));
    if (actual.some((id, i) => id !== runIds[i])) {
      throw new StepFailed({ message: `${type} arrived in a different order`, ...sequenceDiff(runIds, actual) });
    }
    run.result.detail = actual.join(' → ');
  },
});
