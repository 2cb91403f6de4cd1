/** `expect_run`: waits for a run's agent_completed, then checks seq, the event sequence, status, response, payloads and latency. */
import { z } from 'zod';
import { FINAL_RUN_STATUSES, RUN_EVENT_TYPES } from '../../protocol/index.ts';
import { checkRun, type LatencyBudget } from '../run-expectations.ts';
import { patternSchema, timeoutMs, userKey } from './fields.ts';
import { defineStep, StepFailed } from './step-definition.ts';

export const latencyBudgetSchema: z.ZodType<LatencyBudget> = z.strictObject({
  from: z.enum(RUN_EVENT_TYPES),
  to: z.enum(RUN_EVENT_TYPES),
  max_ms: z.number().min(0),
});

export const expectRunStepSchema = z.strictObject({
  user: userKey,
  /** The run id, usually `{{reply.run_id}}` of a saved send. */
  run: z.string().min(1),
  /** The exact sequence of event types, in seq order. Default: the five-event golden path. */
  events: z.array(z.enum(RUN_EVENT_TYPES)).max(500).optional(),
  /**
   * Without `events`: `five_events` (default) checks the built-in agents' golden path;
   * `any_agent` only the rules every agent must keep (started first, one agent_completed
   * last, tool pairs whole, parallel calls allowed), for running a pack against your agent.
   */
  shape: z
    .enum(['five_events', 'any_agent'])
    .optional()
    .describe("Without events: five_events (default, the built-in agents' golden path) or any_agent (only the rules every agent keeps)."),
  status: z.enum(FINAL_RUN_STATUSES).optional(),
  /** Pattern for the final response text. */
  response: patternSchema.optional(),
  /** Patterns for payloads: event type → pattern (first event of that type), or a list matched in order. */
  payloads: z.partialRecord(z.enum(RUN_EVENT_TYPES), patternSchema).optional(),
  latency: z.array(latencyBudgetSchema).optional(),
  timeout_ms: timeoutMs.optional(),
});

export type ExpectRunStep = z.infer<typeof expectRunStepSchema>;

export const expectRunStep = defineStep({
  kind: 'expect_run',
  schema: () => expectRunStepSchema,
  description: "Wait for the run's agent_completed, then check seq, the event sequence, status, response, payloads and latency.",
  user: (spec) => spec.user,
  patterns: (spec) => [
    ...(spec.response !== undefined ? [['response', spec.response] as [string, unknown]] : []),
    ...Object.entries(spec.payloads ?? {}).map(([type, p]): [string, unknown] => [`payloads.${type}`, p]),
  ],
  label: (spec) => `expect_run ${spec.user} ${spec.run}`,
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.user);
    const runId = run.renderStr(spec.run);
    const timeout = run.timeout(spec.timeout_ms);
    result.title = `expect run ${runId} for ${u.key}`;
    const observed = await run.waitFor(
      () => {
        const r = run.observedRun(u.key, runId);
        return r && r.events.some((e) => e.type === 'agent_completed') ? r : undefined;
      },
      timeout,
      () => {
        const r = run.observedRun(u.key, runId);
        return {
          message: `run ${runId} did not complete for ${u.key} within ${timeout} ms`,
          expected: ['... agent_completed'],
          received: r ? r.events.map((e) => `#${e.seq} ${e.type}`) : [`no event of run ${runId} reached ${u.key}`],
        };
      },
      u,
      { waiting_for: `run ${runId} to complete` },
    );
    const { problems, timings } = checkRun(observed, {
      events: spec.events,
      shape: spec.shape,
      status: spec.status,
      response: spec.response === undefined ? undefined : run.render(spec.response),
      payloads: spec.payloads === undefined ? undefined : run.render(spec.payloads),
      latency: spec.latency,
    });
    const types = observed.events.map((e) => e.type);
    result.title = `expect run ${runId} for ${u.key}: ${types.length} events, ${String(observed.status)}`;
    result.detail = [types.join(' → '), ...timings].join('\n');
    if (problems.length > 0) {
      throw new StepFailed({
        message: problems.map((p) => p.message).join('; '),
        expected: problems.flatMap((p) => p.expected ?? []),
        received: problems.flatMap((p) => p.received ?? []),
      });
    }
  },
});
