/**
 * Runs one scenario against a backend: connects its users, sends, waits and asserts, and
 * returns a result with every step, every run it caused and every envelope seen. The same
 * runner serves the CLI (Node, pass `WebSocketImpl` from `ws`) and the console (browser).
 */
import { RUN_EVENT_TYPES } from '../protocol/index.ts';
import { connect, ConnectionRefusedError, type ReceivedEnvelope, type TransportKind, type WebSocketConstructor } from '../client/flowscope-connection.ts';
import { createRestClient } from '../client/rest-client.ts';
import { runStages } from './run-stages.ts';
import type { ObservedRun, ReceivedRecord, ScenarioResult, SentRecord, StepFailure, StepResult } from './scenario-result.ts';
import type { Scenario } from './scenario-schema.ts';
import { stepLabel } from './step-label.ts';
import { stepKindOf, type ScenarioStep } from './steps/index.ts';
import { StepFailed, type InboxItem, type ScenarioUserState, type StepRun } from './steps/step-definition.ts';
import { renderText, renderValue, TemplateError, type TemplateScope } from './template-renderer.ts';
import type { TokenSource } from './token-forge.ts';
import { isLibraryScenarioId, librarySnapshotStore } from './snapshot-rest.ts';
import type { SnapshotStore } from './trace-snapshot.ts';

export interface RunnerOptions {
  /** Backend base URL, e.g. http://127.0.0.1:8000 */
  target: string;
  /** Needed in Node for the `ws` transport. */
  WebSocketImpl?: WebSocketConstructor;
  /** Values for `{{env.NAME}}`. */
  env?: Record<string, string | undefined>;
  /** Variables that replace the scenario's own `vars` of the same name (`flowscope run --var`, `--agent`). */
  vars?: Record<string, string>;
  /** Replaces the scenario's default transport; users and steps that name one keep theirs. */
  transport?: TransportKind;
  /** Default wait timeout when the scenario sets none (10000). */
  timeoutMs?: number;
  file?: string;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** Live progress, for the console and the pretty reporter. */
  onStepStart?(step: StepResult): void;
  onStepEnd?(step: StepResult): void;
  onReceived?(record: ReceivedRecord): void;
  onSent?(record: SentRecord): void;
  /** A `wait` or `expect_run` still waiting, every `waitingIntervalMs` (the pretty reporter prints it). */
  onWaiting?(info: WaitingInfo): void;
  /** How often `onWaiting` is called while a step waits (5000). */
  waitingIntervalMs?: number;
  /**
   * Where expect_snapshot steps read and write their snapshots (the CLI: beside the file).
   * Default: when `file` is a library id (the console), the backend's library over REST.
   */
  snapshots?: SnapshotStore;
}

/** A step that is still waiting: what for, on whose connection, for how long of how long. */
export interface WaitingInfo {
  step: StepResult;
  /** The user key. */
  user: string;
  /** What it waits for, e.g. `{"type":"agent_completed"}` or `run run_1 to complete`. */
  waiting_for: string;
  waited_ms: number;
  timeout_ms: number;
}

const RUN_TYPES: readonly string[] = RUN_EVENT_TYPES;

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'scenario'
  );
}

function asStepFailed(err: unknown): StepFailed {
  if (err instanceof StepFailed) return err;
  if (err instanceof TemplateError) return new StepFailed({ message: err.message });
  return new StepFailed({ message: `runner error: ${err instanceof Error ? err.message : String(err)}` });
}

function runKey(userKey: string, runId: string): string {
  return `${userKey}\u0000${runId}`;
}

export async function runScenario(scenario: Scenario, options: RunnerOptions): Promise<ScenarioResult> {
  const session = new ScenarioSession(scenario, options);
  return session.run();
}

class ScenarioSession {
  private readonly t0 = performance.now();
  private readonly startedAt = new Date();
  private readonly runId: string;
  private readonly users = new Map<string, ScenarioUserState>();
  private readonly vars: Record<string, unknown> = {};
  private readonly waiters = new Set<() => void>();
  private readonly runs = new Map<string, ObservedRun>();
  private readonly sent: SentRecord[] = [];
  private readonly received: ReceivedRecord[] = [];
  private readonly rest;
  private readonly tokens: TokenSource;
  private sendCounter = 0;
  private sendSeq = 0;
  private snapshotCount = 0;
  private readonly snapshots: SnapshotStore | undefined;
  /** Runs a user asked to resume: their replayed events are expected twice. */
  private readonly resumed = new Set<string>();
  /** Every message_id this run sent, to tell a server-assigned id apart. */
  private readonly sentIds = new Set<string>();
  /** Arrival of the first non-duplicate message_ack naming each run, by runKey (the run's stage breakdown starts there). */
  private readonly ackTimes = new Map<string, number>();

  constructor(
    private readonly scenario: Scenario,
    private readonly options: RunnerOptions,
  ) {
    // Without a store, a scenario of the backend's library (the console passes its id as `file`) keeps its snapshots there.
    this.snapshots =
      options.snapshots ??
      (options.file && isLibraryScenarioId(options.file) ? librarySnapshotStore(options.target, options.file, 'local', options.fetchImpl) : undefined);
    this.runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0')}`;
    // Every HTTP call of the run stops with the run (Stop, --scenario-timeout-ms, Ctrl-C) and after 10 s at most.
    const baseFetch = options.fetchImpl ?? globalThis.fetch.bind(globalThis);
    const boundedFetch: typeof fetch = (input, init) => {
      const signals = [AbortSignal.timeout(10_000), ...(options.signal ? [options.signal] : [])];
      return baseFetch(input, { ...init, signal: AbortSignal.any(signals) });
    };
    this.rest = createRestClient(options.target, boundedFetch);
    this.tokens = { mint: async (userId, ttlS) => (await this.rest.mintToken(userId, ttlS)).token };
    const base = slug(scenario.name);
    for (const [key, spec] of Object.entries(scenario.users)) {
      this.users.set(key, {
        key,
        id: spec.id ?? `${base}-${key}-${this.runId}`,
        givenToken: spec.token,
        minted: undefined,
        transport: spec.transport ?? options.transport ?? scenario.transport ?? 'socketio',
        connection: undefined,
        inbox: [],
        pendingAnonymous: [],
      });
    }
  }

  private now(): number {
    return Math.round((performance.now() - this.t0) * 10) / 10;
  }

  private scope(extra: TemplateScope = {}): TemplateScope {
    const user: Record<string, unknown> = {};
    for (const u of this.users.values()) {
      const token = u.givenToken ?? u.minted;
      // No token yet (not minted before the first connect): {{user.a.token}} is an error, not "".
      user[u.key] = token === undefined ? { id: u.id } : { id: u.id, token };
    }
    return {
      ...this.vars,
      ...extra,
      vars: this.vars,
      user,
      env: this.options.env ?? {},
      run: { id: this.runId },
      scenario: { name: this.scenario.name },
    };
  }

  private render<T>(value: T, extra?: TemplateScope): T {
    try {
      return renderValue(value, this.scope(extra));
    } catch (err) {
      if (err instanceof TemplateError) throw new StepFailed({ message: err.message });
      throw err;
    }
  }

  private renderStr(value: string, extra?: TemplateScope): string {
    try {
      return renderText(value, this.scope(extra));
    } catch (err) {
      if (err instanceof TemplateError) throw new StepFailed({ message: err.message });
      throw err;
    }
  }

  private user(key: string): ScenarioUserState {
    const u = this.users.get(key);
    if (!u) throw new StepFailed({ message: `user "${key}" is not declared` });
    return u;
  }

  private timeout(ms: number | undefined): number {
    return ms ?? this.scenario.timeout_ms ?? this.options.timeoutMs ?? 10_000;
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first non-undefined value of `check`, re-evaluated on every arrival. */
  private waitFor<T>(
    check: () => T | undefined,
    timeoutMs: number,
    onTimeout: () => StepFailure,
    watch?: ScenarioUserState,
    still?: { step: StepResult; waiting_for: string },
  ): Promise<T> {
    let immediate: T | undefined;
    try {
      immediate = check();
    } catch (err) {
      return Promise.reject(asStepFailed(err));
    }
    if (immediate !== undefined) return Promise.resolve(immediate);
    if (this.options.signal?.aborted) return Promise.reject(new StepFailed({ message: this.stopMessage() }));
    const watched = watch?.connection;
    if (watch && watched && (watched.state === 'closed' || watched.state === 'refused')) {
      const f = onTimeout();
      return Promise.reject(new StepFailed({ ...f, message: `${watch.key}'s connection is ${watched.state}: ${f.message.replace(/ within \d+ ms/, '')}` }));
    }
    return new Promise<T>((resolve, reject) => {
      const startedAt = performance.now();
      const onWaiting = this.options.onWaiting;
      const ticker =
        still && watch && onWaiting
          ? setInterval(
              () =>
                onWaiting({
                  step: still.step,
                  user: watch.key,
                  waiting_for: still.waiting_for,
                  waited_ms: Math.round(performance.now() - startedAt),
                  timeout_ms: timeoutMs,
                }),
              Math.max(10, this.options.waitingIntervalMs ?? 5000),
            )
          : undefined;
      const done = () => {
        clearTimeout(timer);
        clearInterval(ticker);
        this.waiters.delete(waiter);
        this.options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter = () => {
        let value: T | undefined;
        try {
          value = check();
        } catch (err) {
          done();
          reject(asStepFailed(err));
          return;
        }
        if (value !== undefined) {
          done();
          resolve(value);
          return;
        }
        // The user's connection ended while we wait: say so now instead of at the timeout.
        if (watched && watch?.connection === watched && (watched.state === 'closed' || watched.state === 'refused')) {
          done();
          const timeoutFailure = onTimeout();
          reject(
            new StepFailed({
              ...timeoutFailure,
              message: `${watch.key}'s connection ${watched.state === 'closed' ? 'closed' : 'was refused'} while waiting: ${timeoutFailure.message.replace(/ within \d+ ms/, '')}`,
            }),
          );
        }
      };
      const onAbort = () => {
        done();
        reject(new StepFailed({ message: this.stopMessage() }));
      };
      const timer = setTimeout(() => {
        done();
        try {
          reject(new StepFailed(onTimeout()));
        } catch (err) {
          reject(asStepFailed(err));
        }
      }, timeoutMs);
      this.waiters.add(waiter);
      this.options.signal?.addEventListener('abort', onAbort);
    });
  }

  /** Why the run was stopped: the abort reason when it is an Error (e.g. a scenario timeout), else `stopped`. */
  private stopMessage(): string {
    const reason: unknown = this.options.signal?.reason;
    return reason instanceof Error && reason.name !== 'AbortError' ? reason.message : 'stopped';
  }

  private sleep(ms: number): Promise<void> {
    const signal = this.options.signal;
    if (signal?.aborted) return Promise.reject(new StepFailed({ message: this.stopMessage() }));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new StepFailed({ message: this.stopMessage() }));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Pairs a reply that names none of our ids with the oldest send that could have caused it. */
  private assignAnonymousReply(user: ScenarioUserState, item: InboxItem): void {
    const e = item.envelope;
    const pending = user.pendingAnonymous;
    if (pending.length === 0) return;
    if (e.type === 'error') {
      const mid = (e.payload as { message_id?: unknown } | undefined)?.message_id;
      if (mid === null || mid === undefined) item.answersSend = pending.shift()?.sendNo;
      return;
    }
    const id = e.type === 'message_ack' ? (e.payload as { message_id?: unknown } | undefined)?.message_id : e.type === 'pong' ? e.message_id : undefined;
    if ((e.type === 'message_ack' || e.type === 'pong') && !this.sentIds.has(String(id))) {
      const at = pending.findIndex((p) => p.kind === 'noid');
      if (at >= 0) item.answersSend = pending.splice(at, 1)[0]?.sendNo;
    }
  }

  private record(user: ScenarioUserState, envelope: ReceivedEnvelope): void {
    const at = this.now();
    const item: InboxItem = { at_ms: at, envelope, consumed: false };
    this.assignAnonymousReply(user, item);
    user.inbox.push(item);
    const rec: ReceivedRecord = { user: user.key, at_ms: at, envelope };
    this.received.push(rec);
    if (envelope.type === 'message_ack') {
      const p = (envelope.payload ?? {}) as { run_id?: unknown; duplicate?: unknown };
      if (typeof p.run_id === 'string' && p.duplicate !== true && !this.ackTimes.has(runKey(user.key, p.run_id)))
        this.ackTimes.set(runKey(user.key, p.run_id), at);
    }
    if (RUN_TYPES.includes(envelope.type) && typeof envelope.run_id === 'string') {
      // Runs are kept per user key: two keys on the same user id each see the run.
      let run = this.runs.get(runKey(user.key, envelope.run_id));
      if (!run) {
        run = {
          run_id: envelope.run_id,
          user: user.key,
          user_id: user.id,
          thread_id: typeof envelope.thread_id === 'string' ? envelope.thread_id : undefined,
          events: [],
          status: undefined,
          response: undefined,
        };
        this.runs.set(runKey(user.key, envelope.run_id), run);
      }
      const seq = typeof envelope.seq === 'number' ? envelope.seq : undefined;
      // An event replayed by resume counts once; one delivered twice otherwise is a defect expect_run reports.
      if (!run.events.some((e) => e.seq === seq && e.type === envelope.type)) {
        run.events.push({ type: envelope.type, seq, at_ms: at, payload: envelope.payload });
        run.events.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
      } else if (seq !== undefined && !this.resumed.has(runKey(user.key, envelope.run_id))) {
        (run.repeated ??= []).push(seq);
      }
      if (envelope.type === 'agent_completed') {
        const p = (envelope.payload ?? {}) as { status?: string; response?: string | null };
        run.status = p.status;
        run.response = p.response;
      }
    }
    this.options.onReceived?.(rec);
    this.notify();
  }

  async run(): Promise<ScenarioResult> {
    const steps: StepResult[] = [];
    let failed: boolean;
    let error: string | undefined;
    try {
      // vars may use templates: env, user ids, run id and earlier vars.
      for (const [name, value] of Object.entries(this.scenario.vars ?? {})) {
        this.vars[name] = Object.hasOwn(this.options.vars ?? {}, name) ? this.options.vars?.[name] : renderValue(value, this.scope());
      }
      for (const [name, value] of Object.entries(this.options.vars ?? {})) this.vars[name] ??= value;
    } catch (err) {
      error = `vars: ${err instanceof Error ? err.message : String(err)}`;
    }
    try {
      failed = error !== undefined || !(await this.runSteps(this.scenario.steps, '', steps, {}));
    } finally {
      for (const u of this.users.values()) u.connection?.close();
    }
    const users: Record<string, { id: string }> = {};
    for (const u of this.users.values()) users[u.key] = { id: u.id };
    for (const run of this.runs.values()) {
      const ack = this.ackTimes.get(runKey(run.user, run.run_id));
      if (ack !== undefined) run.ack_at_ms = ack;
      run.stages = runStages(run.events, { ack_at_ms: ack });
    }
    return {
      name: this.scenario.name,
      ...(this.options.file ? { file: this.options.file } : {}),
      tags: this.scenario.tags ?? [],
      status: failed ? 'failed' : 'passed',
      ...(error !== undefined ? { error } : {}),
      started_at: this.startedAt.toISOString(),
      duration_ms: Math.round(performance.now() - this.t0),
      target: this.options.target,
      steps,
      runs: [...this.runs.values()],
      users,
      sent: this.sent,
      received: this.received,
    };
  }

  /** Runs steps in order; after a failure the rest are reported as skipped. Returns true if all passed. */
  private async runSteps(list: readonly ScenarioStep[], prefix: string, out: StepResult[], extra: TemplateScope): Promise<boolean> {
    let ok = true;
    for (let i = 0; i < list.length; i++) {
      const step = list[i] as ScenarioStep;
      const id = `${prefix}${i + 1}`;
      const { kind } = stepKindOf(step);
      const label = stepLabel(step);
      const result: StepResult = { id, kind, label, title: label, status: 'skipped', started_ms: this.now(), duration_ms: 0 };
      out.push(result);
      if (!ok || this.options.signal?.aborted) {
        this.options.onStepEnd?.(result);
        continue;
      }
      this.options.onStepStart?.(result);
      const start = performance.now();
      try {
        await this.runStep(step, result, extra);
        result.status = result.children?.some((c) => c.status === 'failed') ? 'failed' : 'passed';
        if (result.status === 'failed') result.failure ??= { message: 'a nested step failed' };
      } catch (err) {
        result.status = 'failed';
        result.failure = err instanceof StepFailed ? err.failure : { message: `runner error: ${err instanceof Error ? err.message : String(err)}` };
      }
      result.duration_ms = Math.round((performance.now() - start) * 10) / 10;
      if (step.name && result.title !== step.name) result.title = `${step.name}: ${result.title}`;
      this.options.onStepEnd?.(result);
      if (result.status === 'failed') ok = false;
    }
    return ok;
  }

  /** Runs one step by its kind's definition (scenario/steps/), with the session seen through a StepRun. */
  private async runStep(step: ScenarioStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const { definition, spec } = stepKindOf(step);
    if (!definition || spec === undefined) throw new StepFailed({ message: 'unknown step' });
    await definition.run(spec, this.stepRun(result, extra));
  }

  private stepRun(result: StepResult, extra: TemplateScope): StepRun {
    return {
      result,
      target: this.options.target,
      vars: this.vars,
      render: (value) => this.render(value, extra),
      renderStr: (text) => this.renderStr(text, extra),
      user: (key) => this.user(key),
      timeout: (ms) => this.timeout(ms),
      now: () => this.now(),
      sleep: (ms) => this.sleep(ms),
      waitFor: (check, timeoutMs, onTimeout, watch, still) =>
        this.waitFor(check, timeoutMs, onTimeout, watch, still && { step: result, waiting_for: still.waiting_for }),
      stopMessage: () => this.stopMessage(),
      signal: this.options.signal,
      observedRun: (userKey, runId) => this.runs.get(runKey(userKey, runId)),
      nextMessageId: () => `${this.runId}-m${++this.sendCounter}`,
      nextSendNo: () => ++this.sendSeq,
      send: (user, data, messageId) => this.send(user, data, messageId),
      markResumed: (userKey, runId) => void this.resumed.add(runKey(userKey, runId)),
      validToken: (user) => this.validToken(user),
      tokens: this.tokens,
      scenarioName: this.scenario.name,
      snapshots: this.snapshots,
      nextSnapshotName: () => String(++this.snapshotCount),
      openConnection: (user, token, transport) => this.openConnection(user, token, transport),
      runSteps: (steps, group, out, scope = {}) => this.runSteps(steps as unknown as ScenarioStep[], `${result.id}.${group}.`, out, { ...extra, ...scope }),
    };
  }

  private send(u: ScenarioUserState, data: unknown, messageId: string | undefined): void {
    if (!u.connection) throw new StepFailed({ message: `${u.key} is not connected` });
    const at = this.now();
    u.connection.send(data);
    if (messageId !== undefined) this.sentIds.add(messageId);
    const rec: SentRecord = { user: u.key, at_ms: at, data };
    this.sent.push(rec);
    this.options.onSent?.(rec);
  }

  private openConnection(u: ScenarioUserState, token: string, transport: TransportKind): ReturnType<StepRun['openConnection']> {
    const connection = connect({
      url: this.options.target,
      token,
      transport,
      ...(this.options.WebSocketImpl ? { WebSocketImpl: this.options.WebSocketImpl } : {}),
    });
    connection.onEnvelope((envelope) => this.record(u, envelope));
    connection.onState(() => this.notify());
    const opened = connection.ready.then(
      () => undefined,
      (err: unknown) => {
        if (err instanceof ConnectionRefusedError) return err;
        throw err;
      },
    );
    return { connection, opened };
  }

  private async validToken(u: ScenarioUserState): Promise<string> {
    if (u.givenToken !== undefined) return this.renderStr(u.givenToken);
    if (u.minted) return u.minted;
    try {
      u.minted = (await this.rest.mintToken(u.id, 3600)).token;
    } catch (err) {
      throw new StepFailed({
        message: `cannot mint a token for ${u.key} (${u.id}) at ${this.options.target}/api/dev/token: ${err instanceof Error ? err.message : String(err)}. Give the user a token (users.${u.key}.token) for a backend without the dev endpoint.`,
      });
    }
    return u.minted;
  }
}
