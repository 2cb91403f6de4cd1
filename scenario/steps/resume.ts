/** `resume`: sends resume for a run; after_seq defaults to the highest seq received without a gap. */
import { z } from 'zod';
import { userKey } from './fields.ts';
import { defineStep, StepFailed } from './step-definition.ts';

export const resumeStepSchema = z.strictObject({
  user: userKey,
  run: z.string().min(1),
  /** Default: the highest seq this user received for the run. */
  after_seq: z.union([z.number().int().min(0), z.string()]).optional(),
});

export type ResumeStep = z.infer<typeof resumeStepSchema>;

export const resumeStep = defineStep({
  kind: 'resume',
  schema: () => resumeStepSchema,
  description: 'Send resume for a run; after_seq defaults to the highest seq received without a gap.',
  user: (spec) => spec.user,
  label: (spec) => `resume ${spec.user} ${spec.run}`,
  async run(spec, run) {
    const u = run.user(spec.user);
    if (!u.connection || u.connection.state !== 'open') throw new StepFailed({ message: `${u.key} is not connected (connect again before resume)` });
    const runId = run.renderStr(spec.run);
    const observed = run.observedRun(u.key, runId);
    // The highest seq received without a gap before it: everything after it is replayed.
    let seen = 0;
    const seqs = new Set(observed?.events.map((e) => e.seq));
    while (seqs.has(seen + 1)) seen++;
    const afterSeq = spec.after_seq === undefined ? seen : Number(typeof spec.after_seq === 'string' ? run.renderStr(spec.after_seq) : spec.after_seq);
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new StepFailed({ message: `after_seq must be a whole number ≥ 0, got ${String(afterSeq)}` });
    const messageId = run.nextMessageId();
    run.markResumed(u.key, runId);
    run.send(u, { type: 'resume', message_id: messageId, payload: { run_id: runId, after_seq: afterSeq } }, undefined);
    run.result.title = `resume run ${runId} as ${u.key} after seq ${afterSeq}`;
  },
});
