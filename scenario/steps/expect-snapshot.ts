/**
 * `expect_snapshot`: waits for a run's agent_completed, normalizes its events
 * (scenario/trace-snapshot.ts) and compares them with the stored snapshot beside the scenario
 * (`__snapshots__/<scenario>.<name>.json`). A missing snapshot is written (in CI it fails);
 * with `--update-snapshots` a differing one is rewritten; otherwise a difference fails with
 * the first differing path and a line diff.
 */
import { z } from 'zod';
import { RUN_EVENT_TYPES } from '../../protocol/index.ts';
import {
  checkSnapshotPath,
  compareSnapshots,
  normalizeRunEvents,
  parseSnapshot,
  snapshotText,
  SNAPSHOT_FORMAT_VERSION,
  type SnapshotDocument,
  type SnapshotOutcome,
  type SnapshotStore,
} from '../trace-snapshot.ts';
import { patternSchema, timeoutMs, userKey } from './fields.ts';
import { defineStep, StepFailed, type ScenarioUserState } from './step-definition.ts';

/** A snapshot's name once rendered; before, `{{...}}` templates may stand anywhere in it. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/;
const NAME_WITH_TEMPLATES = /^(?=.{1,200}$)(?:[A-Za-z0-9]|\{\{[^{}]+\}\})(?:[A-Za-z0-9._-]|\{\{[^{}]+\}\})*$/;

const snapshotPath = z.string().superRefine((path, ctx) => {
  const problem = checkSnapshotPath(path);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const expectSnapshotStepSchema = z.strictObject({
  user: userKey,
  /** The run id (`{{r1.run_id}}`); default: the last run the user saw start. */
  run: z.string().min(1).optional().describe("The run id, e.g. {{r1.run_id}}; default: the user's last run."),
  /** The snapshot's name (file `<scenario>.<name>.json`); default: its number among the scenario's expect_snapshot steps. */
  name: z
    .string()
    .regex(NAME_WITH_TEMPLATES, 'name: up to 80 of [A-Za-z0-9._-] and {{templates}}, starting with a letter, a digit or a template')
    .optional()
    .describe("The snapshot's name: the file is __snapshots__/<scenario>.<name>.json; templates allowed (turn-{{i}} in a repeat)."),
  /** Paths (per event) to leave out of the comparison, or to check against a pattern instead. */
  ignore: z
    .array(z.union([snapshotPath, z.strictObject({ path: snapshotPath, match: patternSchema })]))
    .max(100)
    .optional()
    .describe('Per-event paths (payload.thought, tool_completed.payload.result, * for any key) ignored, or {path, match: pattern} checked by a pattern.'),
  timeout_ms: timeoutMs.optional(),
});

export type ExpectSnapshotStep = z.infer<typeof expectSnapshotStepSchema>;

const RUN_TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

/** The run of the user's most recent run event, else of its latest ack. */
function lastRunOf(u: ScenarioUserState): string | undefined {
  for (let i = u.inbox.length - 1; i >= 0; i--) {
    const e = u.inbox[i]!.envelope;
    if (RUN_TYPES.has(e.type) && typeof e.run_id === 'string') return e.run_id;
  }
  for (let i = u.inbox.length - 1; i >= 0; i--) {
    const e = u.inbox[i]!.envelope;
    const runId = e.type === 'message_ack' ? (e.payload as { run_id?: unknown } | undefined)?.run_id : undefined;
    if (typeof runId === 'string') return runId;
  }
  return undefined;
}

/** The run's envelopes as the user received them, each seq once, in seq order. */
function runEnvelopes(u: ScenarioUserState, runId: string): Record<string, unknown>[] {
  const bySeq = new Map<number, Record<string, unknown>>();
  for (const item of u.inbox) {
    const e = item.envelope;
    if (!RUN_TYPES.has(e.type) || e.run_id !== runId || typeof e.seq !== 'number') continue;
    if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
  }
  return [...bySeq.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
}

/** The files the steps of a scenario run compared (a store is one scenario run's): two steps may not share one. */
const usedFiles = new WeakMap<SnapshotStore, Map<string, string>>();

export const expectSnapshotStep = defineStep({
  kind: 'expect_snapshot',
  schema: () => expectSnapshotStepSchema,
  description: "Wait for the run's agent_completed, then compare its normalized events with the stored snapshot (__snapshots__/<scenario>.<name>.json).",
  user: (spec) => spec.user,
  patterns: (spec) =>
    (spec.ignore ?? []).flatMap((entry, i): Array<[string, unknown]> => (typeof entry === 'string' ? [] : [[`ignore[${i}].match`, entry.match]])),
  label: (spec) => `expect_snapshot ${spec.user}${spec.run ? ` ${spec.run}` : ''}${spec.name ? ` ${spec.name}` : ''}`,
  async run(spec, run) {
    const { result } = run;
    const u = run.user(spec.user);
    const timeout = run.timeout(spec.timeout_ms);
    // Templates allowed, so each iteration of a repeat can have its own: `name: "turn-{{i}}"`.
    const name = spec.name !== undefined ? run.renderStr(spec.name) : run.nextSnapshotName();
    if (!NAME.test(name))
      throw new StepFailed({
        message: `snapshot name ${JSON.stringify(name)} (from ${JSON.stringify(spec.name)}): up to 80 of [A-Za-z0-9._-], starting with a letter or digit`,
      });
    const store = run.snapshots;
    if (!store)
      throw new StepFailed({ message: 'expect_snapshot needs a place for snapshots: run the scenario from a file (flowscope run) or from the console' });
    const file = store.location(name);
    const used = usedFiles.get(store) ?? new Map<string, string>();
    usedFiles.set(store, used);
    const owner = used.get(file);
    if (owner !== undefined && owner !== result.id) {
      throw new StepFailed({
        message: `snapshot ${name}: ${file} is already the snapshot of step ${owner}; give each expect_snapshot its own name (in a repeat, with its index: "name-{{i}}")`,
      });
    }
    used.set(file, result.id);
    const given = spec.run === undefined ? undefined : run.renderStr(spec.run);
    result.title = `expect snapshot ${name} of ${given ? `run ${given}` : `${u.key}'s last run`}`;
    const runId = await run.waitFor(
      () => {
        const id = given ?? lastRunOf(u);
        const observed = id === undefined ? undefined : run.observedRun(u.key, id);
        return observed?.events.some((e) => e.type === 'agent_completed') ? id : undefined;
      },
      timeout,
      () => ({
        message: given ? `run ${given} did not complete for ${u.key} within ${timeout} ms` : `no run of ${u.key} completed within ${timeout} ms`,
        expected: ['... agent_completed'],
        received: [given ?? lastRunOf(u) ?? 'no run event'],
      }),
      u,
      { waiting_for: `run ${given ?? '(last)'} to complete` },
    );
    const { events, problems } = normalizeRunEvents(runEnvelopes(u, runId), run.render(spec.ignore ?? []));
    if (problems.length > 0) throw new StepFailed({ message: `snapshot ${name}: an ignore path does not hold`, expected: [], received: problems });
    const doc: SnapshotDocument = { flowscope_snapshot: SNAPSHOT_FORMAT_VERSION, scenario: run.scenarioName, name, events };
    const text = snapshotText(doc);
    const outcome = (o: Omit<SnapshotOutcome, 'name' | 'file' | 'received'>): SnapshotOutcome => (result.snapshot = { name, file, received: text, ...o });
    const write = () =>
      store.write(name, text).catch((err: unknown) => {
        throw new StepFailed({ message: `snapshot ${name}: cannot write ${file}: ${err instanceof Error ? err.message : String(err)}` });
      });
    const stored = await store.read(name).catch((err: unknown) => {
      throw new StepFailed({ message: `snapshot ${name}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}` });
    });
    if (stored === undefined) {
      if (store.mode === 'ci') {
        outcome({ outcome: 'missing' });
        throw new StepFailed({
          message: `snapshot ${name} is missing (${file}); CI never writes snapshots: run locally or with --update-snapshots, and commit the file`,
        });
      }
      // Not writable (a built-in scenario in the console): missing, for review.
      await write().catch((err: unknown) => {
        outcome({ outcome: 'missing' });
        throw err;
      });
      outcome({ outcome: 'written' });
      result.title = `snapshot ${name} written (${events.length} events): ${file}`;
      return;
    }
    let expected: SnapshotDocument;
    try {
      expected = parseSnapshot(stored);
    } catch (err) {
      if (store.mode === 'update') {
        await write();
        outcome({ outcome: 'updated', expected: stored });
        result.title = `snapshot ${name} updated (it was not a snapshot): ${file}`;
        return;
      }
      outcome({ outcome: 'mismatch', expected: stored });
      throw new StepFailed({ message: `snapshot ${name} (${file}): ${err instanceof Error ? err.message : String(err)}` });
    }
    const difference = compareSnapshots(expected, doc);
    if (!difference) {
      outcome({ outcome: 'matched', expected: stored });
      result.title = `snapshot ${name} matched (${events.length} events)`;
      return;
    }
    if (store.mode === 'update') {
      await write();
      outcome({ outcome: 'updated', expected: stored, ...difference });
      result.title = `snapshot ${name} updated (was different at ${difference.first_difference.path}): ${file}`;
      return;
    }
    outcome({ outcome: 'mismatch', expected: stored, ...difference });
    const d = difference.first_difference;
    throw new StepFailed({
      message: `snapshot ${name} differs at ${d.path} (${file}); accept it with --update-snapshots or in the console`,
      expected: [`${d.path}: ${d.expected}`],
      received: [`${d.path}: ${d.received}`],
      diff: difference.diff,
    });
  },
});
