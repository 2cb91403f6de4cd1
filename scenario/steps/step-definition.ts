/**
 * What a step kind is: one file under scenario/steps/ exports one StepDefinition (its schema,
 * its label and its execution), and scenario/steps/index.ts lists it. The scenario schema, the
 * step kinds, the labels and the runner's dispatch are all derived from that list.
 *
 * A step runs against a StepRun: the runner's session (inbox, waiters, variables) as seen
 * from one step. Imports of client/ here are types only, so loading the format (the backend
 * does) loads no connection code.
 */
import type { z } from 'zod';
import type { ConnectionRefusedError, FlowscopeConnection, ReceivedEnvelope, TransportKind } from '../../client/flowscope-connection.ts';
import type { ObservedRun, StepFailure, StepResult } from '../scenario-result.ts';
import type { SnapshotStore } from '../trace-snapshot.ts';
import type { TokenSource } from '../token-forge.ts';

declare const NESTED_STEP: unique symbol;
/**
 * A step inside a step (repeat, parallel), as a step file sees it: the step union is built
 * from the registry that lists those files, so they name it by this placeholder, which
 * scenario/steps/index.ts resolves to ScenarioStep.
 */
export interface NestedStep {
  readonly [NESTED_STEP]: true;
}

export interface StepDefinition<K extends string = string, S = unknown> {
  /** The step's key in a scenario (`connect`, `send`, ...). */
  readonly kind: K;
  /** The schema of the value under the key; `step` is the schema of a whole step, for kinds that hold steps. */
  schema(step: z.ZodType<NestedStep>): z.ZodType<S>;
  /** Shown by editors from the JSON Schema. */
  readonly description?: string;
  /** The user key the step names, checked against `users` when the scenario loads. */
  user?(spec: NoInfer<S>): string | undefined;
  /** The patterns it holds, by their path under the step's key, checked when the scenario loads. */
  patterns?(spec: NoInfer<S>): Array<[path: string, pattern: unknown]>;
  /** The step lists it holds, by their path under the step's key, validated like the top-level steps. */
  nested?(spec: NoInfer<S>): Array<[path: string, steps: readonly NestedStep[]]>;
  /** What the step does, from its definition alone (templates unrendered): the same on every run, so CI tools can track it. */
  label(spec: NoInfer<S>): string;
  /** Runs the step: sets `run.result.title` (and `detail`) to what happened; throws StepFailed when it fails. */
  run(spec: NoInfer<S>, run: StepRun): Promise<void>;
}

/** Declares a step kind (types its schema, label and execution together). */
export function defineStep<K extends string, S>(definition: StepDefinition<K, S>): StepDefinition<K, S> {
  return definition;
}

/** A step that failed, with expected and received lines for the report. */
export class StepFailed extends Error {
  readonly failure: StepFailure;
  constructor(failure: StepFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

export interface InboxItem {
  at_ms: number;
  envelope: ReceivedEnvelope;
  consumed: boolean;
  /** For a reply without one of our message ids: the send it answers (replies come in send order). */
  answersSend?: number;
}

export interface ScenarioUserState {
  key: string;
  id: string;
  givenToken: string | undefined;
  minted: string | undefined;
  transport: TransportKind;
  connection: FlowscopeConnection | undefined;
  inbox: InboxItem[];
  /**
   * Sends whose reply cannot carry one of our ids, oldest first: `unreadable` ones (too large,
   * not JSON) are answered by an error with message_id null; `noid` ones by that, or by an ack
   * or pong with an id the server made up.
   */
  pendingAnonymous: Array<{ sendNo: number; kind: 'unreadable' | 'noid' }>;
}

/** The session as one step sees it. */
export interface StepRun {
  /** This step's result: the step sets `title` (what happened) and `detail`. */
  readonly result: StepResult;
  readonly target: string;
  /** The run's variables (`set`, `save_as`, `capture` write them). */
  readonly vars: Record<string, unknown>;
  /** Templates rendered with the step's scope (variables, users, env, repeat indexes). */
  render<T>(value: T): T;
  renderStr(text: string): string;
  user(key: string): ScenarioUserState;
  /** The step's timeout, else the scenario's, else the runner's (10000). */
  timeout(ms: number | undefined): number;
  /** Milliseconds since the scenario started. */
  now(): number;
  /** Waits, or fails when the run is stopped. */
  sleep(ms: number): Promise<void>;
  /**
   * Resolves with the first non-undefined value of `check`, re-evaluated on every arrival and
   * state change; fails with `onTimeout()` after `timeoutMs`, or at once when `watch`'s
   * connection ends. `still`: report it to onWaiting while it waits.
   */
  waitFor<T>(
    check: () => T | undefined,
    timeoutMs: number,
    onTimeout: () => StepFailure,
    watch?: ScenarioUserState,
    still?: { waiting_for: string },
  ): Promise<T>;
  /** Why the run was stopped (for a step that notices it). */
  stopMessage(): string;
  readonly signal: AbortSignal | undefined;
  /** The run `runId` as `userKey` saw it so far. */
  observedRun(userKey: string, runId: string): ObservedRun | undefined;
  /** A message id of this scenario run (`<run id>-m<n>`), counted across sends and resumes. */
  nextMessageId(): string;
  /** The number of this send among the run's sends, for pairing replies that name no id. */
  nextSendNo(): number;
  /** Sends `data` on the user's open connection and records it (ids, resumed runs, onSent). */
  send(user: ScenarioUserState, data: unknown, messageId: string | undefined): void;
  /** Notes that the user asked to resume the run: its replayed events are expected twice. */
  markResumed(userKey: string, runId: string): void;
  /** The user's valid token: given, or minted once by the dev endpoint. */
  validToken(user: ScenarioUserState): Promise<string>;
  readonly tokens: TokenSource;
  /** The scenario's name (snapshot files record it). */
  readonly scenarioName: string;
  /** Where expect_snapshot reads and writes snapshots; undefined when the runner's caller gives none. */
  readonly snapshots: SnapshotStore | undefined;
  /** The default name of the next unnamed snapshot: `1`, `2`, ... in the order they run. */
  nextSnapshotName(): string;
  /**
   * Opens a connection for the user (its envelopes go to the user's inbox) and tells how the
   * server answered: `opened` resolves with the refusal, or undefined once it is open.
   */
  openConnection(
    user: ScenarioUserState,
    token: string,
    transport: TransportKind,
  ): { connection: FlowscopeConnection; opened: Promise<ConnectionRefusedError | undefined> };
  /** Runs nested steps under this step (ids `<this id>.<group>.<n>`); true when all passed. `scope` adds template variables. */
  runSteps(steps: readonly NestedStep[], group: number, out: StepResult[], scope?: Record<string, unknown>): Promise<boolean>;
}

/** Marks an inbox item as taken by the step that found it. */
export function claim(item: InboxItem | undefined): InboxItem | undefined {
  if (item) item.consumed = true;
  return item;
}

/** One line for an envelope in a failure: type, seq, error code, run, status. */
export function summarize(envelope: ReceivedEnvelope): string {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  const bits: string[] = [envelope.type];
  if (typeof envelope.seq === 'number') bits.push(`#${envelope.seq}`);
  if (envelope.type === 'error') bits.push(String(p.code));
  if (typeof envelope.run_id === 'string') bits.push(`run ${envelope.run_id}`);
  else if (typeof p.run_id === 'string') bits.push(`run ${p.run_id}`);
  if (envelope.type === 'agent_completed') bits.push(String(p.status));
  return bits.join(' ');
}
