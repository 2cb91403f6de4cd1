/**
 * Runs one scenario against a backend: connects its users, sends, waits and asserts, and
 * returns a result with every step, every run it caused and every envelope seen. The same
 * runner serves the CLI (Node, pass `WebSocketImpl` from `ws`) and the console (browser).
 */
import { inboundMessageBytes, MAX_MESSAGE_BYTES, RUN_EVENT_TYPES } from '../protocol/index.ts';
import type {
  ConnectStep,
  ExpectCountStep,
  ExpectNothingStep,
  ExpectOrderStep,
  ExpectRunStep,
  ResumeStep,
  Scenario,
  ScenarioStep,
  SendStep,
  TokenKind,
  WaitStep,
} from './scenario-schema.ts';
import {
  connect,
  ConnectionRefusedError,
  type FlowscopeConnection,
  type ReceivedEnvelope,
  type TransportKind,
  type WebSocketConstructor,
} from '../client/flowscope-connection.ts';
import { createRestClient } from '../client/rest-client.ts';
import { runStages } from './run-stages.ts';
import { mismatches, show, type Mismatch } from './pattern-matcher.ts';
import { checkRun, mismatchLines, sequenceDiff } from './run-expectations.ts';
import type { ObservedRun, ReceivedRecord, ScenarioResult, SentRecord, StepFailure, StepResult } from './scenario-result.ts';
import { isJsonText } from './scenario-loader.ts';
import { stepLabel } from './step-label.ts';
import { lookupPath, renderText, renderValue, TemplateError, type TemplateScope } from './template-renderer.ts';
import { forgeToken, type TokenSource } from './token-forge.ts';

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

class StepFailed extends Error {
  readonly failure: StepFailure;
  constructor(failure: StepFailure) {
    super(failure.message);
    this.failure = failure;
  }
}

const RUN_TYPES: readonly string[] = RUN_EVENT_TYPES;

interface InboxItem {
  at_ms: number;
  envelope: ReceivedEnvelope;
  consumed: boolean;
  /** For a reply without one of our message ids: the send it answers (replies come in send order). */
  answersSend?: number;
}

interface UserState {
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

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'scenario'
  );
}

/** Marks an inbox item as taken by the step that found it. */
function claim(item: InboxItem | undefined): InboxItem | undefined {
  if (item) item.consumed = true;
  return item;
}

function asStepFailed(err: unknown): StepFailed {
  if (err instanceof StepFailed) return err;
  if (err instanceof TemplateError) return new StepFailed({ message: err.message });
  return new StepFailed({ message: `runner error: ${err instanceof Error ? err.message : String(err)}` });
}

function peekObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function runKey(userKey: string, runId: string): string {
  return `${userKey}\u0000${runId}`;
}

function summarize(envelope: ReceivedEnvelope): string {
  const p = (envelope.payload ?? {}) as Record<string, unknown>;
  const bits: string[] = [envelope.type];
  if (typeof envelope.seq === 'number') bits.push(`#${envelope.seq}`);
  if (envelope.type === 'error') bits.push(String(p.code));
  if (typeof envelope.run_id === 'string') bits.push(`run ${envelope.run_id}`);
  else if (typeof p.run_id === 'string') bits.push(`run ${p.run_id}`);
  if (envelope.type === 'agent_completed') bits.push(String(p.status));
  return bits.join(' ');
}

export async function runScenario(scenario: Scenario, options: RunnerOptions): Promise<ScenarioResult> {
  const session = new ScenarioSession(scenario, options);
  return session.run();
}

class ScenarioSession {
  private readonly t0 = performance.now();
  private readonly startedAt = new Date();
  private readonly runId: string;
  private readonly users = new Map<string, UserState>();
  private readonly vars: Record<string, unknown> = {};
  private readonly waiters = new Set<() => void>();
  private readonly runs = new Map<string, ObservedRun>();
  private readonly sent: SentRecord[] = [];
  private readonly received: ReceivedRecord[] = [];
  private readonly rest;
  private readonly tokens: TokenSource;
  private sendCounter = 0;
  private sendSeq = 0;
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
    this.runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0')}`;
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

  private user(key: string): UserState {
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
    watch?: UserState,
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
              () => onWaiting({ step: still.step, user: watch.key, waiting_for: still.waiting_for, waited_ms: Math.round(performance.now() - startedAt), timeout_ms: timeoutMs }),
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
          reject(new StepFailed({ ...timeoutFailure, message: `${watch.key}'s connection ${watched.state === 'closed' ? 'closed' : 'was refused'} while waiting: ${timeoutFailure.message.replace(/ within \d+ ms/, '')}` }));
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
  private assignAnonymousReply(user: UserState, item: InboxItem): void {
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

  private record(user: UserState, envelope: ReceivedEnvelope): void {
    const at = this.now();
    const item: InboxItem = { at_ms: at, envelope, consumed: false };
    this.assignAnonymousReply(user, item);
    user.inbox.push(item);
    const rec: ReceivedRecord = { user: user.key, at_ms: at, envelope };
    this.received.push(rec);
    if (envelope.type === 'message_ack') {
      const p = (envelope.payload ?? {}) as { run_id?: unknown; duplicate?: unknown };
      if (typeof p.run_id === 'string' && p.duplicate !== true && !this.ackTimes.has(runKey(user.key, p.run_id))) this.ackTimes.set(runKey(user.key, p.run_id), at);
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
  private async runSteps(list: ScenarioStep[], prefix: string, out: StepResult[], extra: TemplateScope): Promise<boolean> {
    let ok = true;
    for (let i = 0; i < list.length; i++) {
      const step = list[i] as ScenarioStep;
      const id = `${prefix}${i + 1}`;
      const kind = Object.keys(step).find((k) => k !== 'name') ?? 'unknown';
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

  private async runStep(step: ScenarioStep, result: StepResult, extra: TemplateScope): Promise<void> {
    if (step.connect !== undefined) return this.doConnect(step.connect, result);
    if (step.disconnect !== undefined) {
      const u = this.user(typeof step.disconnect === 'string' ? step.disconnect : step.disconnect.user);
      result.title = `disconnect ${u.key}`;
      u.connection?.close();
      u.connection = undefined;
      return;
    }
    if (step.drop !== undefined) {
      const u = this.user(typeof step.drop === 'string' ? step.drop : step.drop.user);
      result.title = `drop ${u.key}'s connection`;
      if (!u.connection) throw new StepFailed({ message: `${u.key} is not connected` });
      const conn = u.connection;
      conn.drop();
      await this.waitFor(() => (conn.state === 'open' ? undefined : true), 5000, () => ({ message: 'the connection did not close after the drop' }));
      u.connection = undefined;
      result.detail = `connection state ${conn.state}`;
      return;
    }
    if (step.send !== undefined) return this.doSend(step.send, result, extra);
    if (step.wait !== undefined) return this.doWait(step.wait, result, extra);
    if (step.expect_run !== undefined) return this.doExpectRun(step.expect_run, result, extra);
    if (step.expect_nothing !== undefined) return this.doExpectNothing(step.expect_nothing, result, extra);
    if (step.expect_order !== undefined) return this.doExpectOrder(step.expect_order, result, extra);
    if (step.expect_count !== undefined) return this.doExpectCount(step.expect_count, result, extra);
    if (step.resume !== undefined) return this.doResume(step.resume, result, extra);
    if (step.sleep !== undefined) {
      result.title = `sleep ${step.sleep} ms`;
      await this.sleep(step.sleep);
      return;
    }
    if (step.set !== undefined) {
      const values = this.render(step.set, extra);
      Object.assign(this.vars, values);
      result.title = `set ${Object.keys(values).join(', ')}`;
      return;
    }
    if (step.repeat !== undefined) {
      const { times, index, steps } = step.repeat;
      result.title = `repeat ${times}×`;
      result.children = [];
      for (let n = 0; n < times; n++) {
        const inner: StepResult[] = [];
        const ok = await this.runSteps(steps, `${result.id}.${n + 1}.`, inner, { ...extra, ...(index ? { [index]: n } : {}) });
        result.children.push({
          id: `${result.id}.${n + 1}`,
          kind: 'iteration',
          label: `iteration ${n + 1}`,
          title: `iteration ${n + 1}${index ? ` (${index} = ${n})` : ''}`,
          status: ok ? 'passed' : 'failed',
          started_ms: inner[0]?.started_ms ?? this.now(),
          duration_ms: inner.reduce((s, c) => s + c.duration_ms, 0),
          children: inner,
          ...(ok ? {} : { failure: { message: `iteration ${n + 1} failed` } }),
        });
        if (!ok) break;
      }
      return;
    }
    if (step.parallel !== undefined) {
      result.title = `parallel: ${step.parallel.length} branches`;
      const branches = step.parallel.map((branch, b) => {
        const inner: StepResult[] = [];
        const node: StepResult = { id: `${result.id}.${b + 1}`, kind: 'branch', label: `branch ${b + 1}`, title: `branch ${b + 1}`, status: 'passed', started_ms: this.now(), duration_ms: 0, children: inner };
        const started = performance.now();
        return this.runSteps(branch, `${result.id}.${b + 1}.`, inner, extra).then((ok) => {
          node.status = ok ? 'passed' : 'failed';
          if (!ok) node.failure = { message: `branch ${b + 1} failed` };
          node.duration_ms = Math.round(performance.now() - started);
          return node;
        });
      });
      result.children = await Promise.all(branches);
      return;
    }
    throw new StepFailed({ message: 'unknown step' });
  }

  private async validToken(u: UserState): Promise<string> {
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

  private async doConnect(spec: ConnectStep, result: StepResult): Promise<void> {
    const s = typeof spec === 'string' ? { user: spec } : spec;
    const u = this.user(s.user);
    const transport = s.transport ?? u.transport;
    const kind: TokenKind | 'literal' = s.token === undefined ? 'valid' : typeof s.token === 'string' ? s.token : 'literal';
    result.title = `connect ${u.key} over ${transport}${kind === 'valid' ? '' : ` with token: ${kind}`}`;
    let token: string;
    try {
      token = typeof s.token === 'object' ? this.renderStr(s.token.literal) : await forgeToken(kind as TokenKind, u.id, () => this.validToken(u), this.tokens);
    } catch (err) {
      if (err instanceof StepFailed) throw err;
      throw new StepFailed({ message: `cannot get a ${kind} token for ${u.key}: ${err instanceof Error ? err.message : String(err)}` });
    }
    const conn = connect({ url: this.options.target, token, transport, ...(this.options.WebSocketImpl ? { WebSocketImpl: this.options.WebSocketImpl } : {}) });
    conn.onEnvelope((envelope) => this.record(u, envelope));
    conn.onState(() => this.notify());
    const timeoutMs = this.timeout(s.timeout_ms);
    let refusal: ConnectionRefusedError | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const signal = this.options.signal;
    try {
      await Promise.race([
        conn.ready,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new StepFailed({ message: `no answer from ${this.options.target} within ${timeoutMs} ms` })), timeoutMs);
          onAbort = () => reject(new StepFailed({ message: this.stopMessage() }));
          if (signal?.aborted) onAbort();
          signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      if (err instanceof ConnectionRefusedError) refusal = err;
      else {
        conn.close();
        throw err;
      }
    } finally {
      // A signal shared by many runs (flowscope load) must not keep one listener per connect.
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
    if (s.expect_refused) {
      if (!refusal) {
        conn.close();
        throw new StepFailed({ message: `the connection was accepted, expected a refusal`, expected: [`refused with ${s.expect_refused}`], received: ['accepted'] });
      }
      if (refusal.code !== s.expect_refused) {
        throw new StepFailed({
          message: `refused with ${refusal.code}, expected ${s.expect_refused}`,
          expected: [`refused with ${s.expect_refused}`],
          received: [`refused with ${refusal.code}: ${refusal.message}`],
        });
      }
      if (s.expect_close_code !== undefined && refusal.closeCode !== s.expect_close_code) {
        throw new StepFailed({
          message: `closed with ${String(refusal.closeCode ?? 'no close code')}, expected ${s.expect_close_code}`,
          expected: [`close code ${s.expect_close_code}`],
          received: [`close code ${String(refusal.closeCode ?? '(none: not a /ws connection)')}`],
        });
      }
      result.detail = `refused with ${refusal.code}${refusal.closeCode ? ` (close ${refusal.closeCode})` : ''}: ${refusal.message}`;
      result.title += ` → refused ${refusal.code}`;
      return;
    }
    if (refusal) {
      throw new StepFailed({ message: `refused with ${refusal.code}: ${refusal.message}`, expected: ['connected'], received: [`refused with ${refusal.code}`] });
    }
    u.connection?.close();
    u.connection = conn;
    result.detail = `${u.key} is ${u.id}`;
  }

  private buildOversize(bytes: number, messageId: string): string {
    const prefix = `{"type":"user_message","message_id":"${messageId}","payload":{"content":"`;
    const suffix = '"}}';
    const fill = bytes - new TextEncoder().encode(prefix + suffix).length;
    if (fill < 1) throw new StepFailed({ message: `oversize_bytes ${bytes} is too small for an envelope` });
    return `${prefix}${'x'.repeat(fill)}${suffix}`;
  }

  private async doSend(spec: SendStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.as);
    if (!u.connection || u.connection.state !== 'open') throw new StepFailed({ message: `${u.key} is not connected (add a connect step first)` });
    this.sendCounter++;
    const autoId = `${this.runId}-m${this.sendCounter}`;
    let data: unknown;
    let messageId: string | undefined;
    let type: string | undefined;
    let what: string;
    if (spec.message !== undefined) {
      const message = this.render(spec.message, extra);
      if (spec.auto_id !== false && message.message_id === undefined) message.message_id = autoId;
      data = message;
      messageId = typeof message.message_id === 'string' ? message.message_id : undefined;
      type = typeof message.type === 'string' ? message.type : undefined;
      what = type ?? 'message';
    } else if (spec.raw !== undefined) {
      const text = this.renderStr(spec.raw, extra);
      data = text;
      // Raw text that is a JSON object still names its type and id: the reply is correlated by them.
      const parsed = peekObject(text);
      messageId = typeof parsed?.message_id === 'string' ? parsed.message_id : undefined;
      type = typeof parsed?.type === 'string' ? parsed.type : undefined;
      what = `raw text (${new TextEncoder().encode(text).length} bytes)`;
    } else {
      data = this.buildOversize(spec.oversize_bytes as number, autoId);
      messageId = autoId;
      type = 'user_message';
      what = `user_message of ${spec.oversize_bytes} bytes`;
    }
    const expectation = spec.expect ?? (type === 'user_message' ? 'ack' : type === 'ping' ? 'pong' : 'none');
    const mark = u.inbox.length;
    const at = this.now();
    // The server answers a message it cannot read (too large, not JSON) with an error whose
    // message_id is null, and one without an id with an id of its own: such replies are paired by order.
    const unreadable = inboundMessageBytes(data) > MAX_MESSAGE_BYTES || (typeof data === 'string' && !isJsonText(data));
    const sendNo = ++this.sendSeq;
    if (unreadable || messageId === undefined) u.pendingAnonymous.push({ sendNo, kind: unreadable ? 'unreadable' : 'noid' });
    try {
      u.connection.send(data);
    } catch (err) {
      throw new StepFailed({ message: `send failed: ${err instanceof Error ? err.message : String(err)}` });
    }
    if (messageId !== undefined) this.sentIds.add(messageId);
    const resumeOf = type === 'resume' && typeof data === 'object' ? (data as { payload?: { run_id?: unknown } }).payload?.run_id : undefined;
    if (typeof resumeOf === 'string') this.resumed.add(runKey(u.key, resumeOf));
    const rec: SentRecord = { user: u.key, at_ms: at, data };
    this.sent.push(rec);
    this.options.onSent?.(rec);
    result.title = `send ${what} as ${u.key}`;
    if (expectation === 'none') {
      if (spec.save_as !== undefined || spec.reply !== undefined) {
        throw new StepFailed({
          message: `${spec.save_as !== undefined ? 'save_as' : 'reply'} needs a reply to wait for, but a ${type ?? 'message of unknown type'} gets none by default: set expect (ack, pong or {error: CODE})`,
        });
      }
      return;
    }

    const expectedText = expectation === 'ack' ? 'message_ack' : expectation === 'pong' ? 'pong' : `error ${expectation.error}`;
    const correlates = (item: InboxItem): boolean => {
      const e = item.envelope;
      const p = (e.payload ?? {}) as Record<string, unknown>;
      if (item.answersSend !== undefined) return item.answersSend === sendNo;
      if (messageId === undefined) return false;
      if (e.type === 'message_ack' || e.type === 'error') return p.message_id === messageId;
      if (e.type === 'pong') return e.message_id === messageId;
      return false;
    };
    const reply = await this.waitFor(
      // Claimed in the same tick it is found, so a parallel branch cannot take it too.
      () => claim(u.inbox.slice(mark).find((item) => !item.consumed && correlates(item))),
      this.timeout(spec.timeout_ms),
      () => ({
        message: `no ${expectedText} within ${this.timeout(spec.timeout_ms)} ms`,
        expected: [expectedText],
        received: u.inbox.slice(mark).map((i) => summarize(i.envelope)).slice(0, 20),
      }),
      u,
    );
    const e = reply.envelope;
    const p = (e.payload ?? {}) as Record<string, unknown>;
    const got = e.type === 'error' ? `error ${String(p.code)}: ${String(p.message)}` : summarize(e);
    const wanted =
      expectation === 'ack' ? e.type === 'message_ack' : expectation === 'pong' ? e.type === 'pong' : e.type === 'error' && p.code === expectation.error;
    if (!wanted) throw new StepFailed({ message: `expected ${expectedText}, received ${got}`, expected: [expectedText], received: [got] });
    result.title += ` → ${e.type === 'message_ack' ? `ack run ${String(p.run_id)}${p.duplicate ? ' (duplicate)' : ''}` : got}`;
    if (spec.reply !== undefined) {
      const diff = mismatches(this.render(spec.reply, extra), e, 'reply');
      if (diff.length > 0) throw new StepFailed({ message: `the reply does not match`, ...mismatchLines(diff) });
    }
    if (spec.save_as) this.vars[spec.save_as] = { ...e, ...p, envelope: e };
  }

  private async doWait(spec: WaitStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    const pattern = this.render(spec.match, extra);
    result.title = `wait for ${u.key} to receive ${show(pattern)}`;
    const timeoutMs = this.timeout(spec.timeout_ms);
    const item = await this.waitFor(
      () => claim(u.inbox.find((i) => !i.consumed && mismatches(pattern, i.envelope).length === 0)),
      timeoutMs,
      () => {
        const unconsumed = u.inbox.filter((i) => !i.consumed);
        // The closest candidate: the one with the fewest mismatches.
        let best: { item: InboxItem; diff: Mismatch[] } | undefined;
        for (const i of unconsumed) {
          const diff = mismatches(pattern, i.envelope);
          if (!best || diff.length < best.diff.length) best = { item: i, diff };
        }
        return {
          message: `nothing matching arrived within ${timeoutMs} ms (${unconsumed.length} unmatched envelope(s) received)`,
          expected: [show(pattern)],
          received: best
            ? [`closest: ${summarize(best.item.envelope)}`, ...best.diff.map((m) => `  ${m.path}: expected ${m.expected}, received ${m.received}`)]
            : ['nothing'],
        };
      },
      u,
      { step: result, waiting_for: show(pattern) },
    );
    result.title = `wait for ${u.key}: ${summarize(item.envelope)}`;
    for (const [name, path] of Object.entries(spec.capture ?? {})) {
      const found = lookupPath(item.envelope as unknown as TemplateScope, path);
      if (!found.found) throw new StepFailed({ message: `capture ${name}: the matched envelope has no "${path}"`, received: [show(item.envelope)] });
      this.vars[name] = found.value;
    }
  }

  private async doExpectRun(spec: ExpectRunStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    const runId = this.renderStr(spec.run, extra);
    const timeoutMs = this.timeout(spec.timeout_ms);
    result.title = `expect run ${runId} for ${u.key}`;
    const run = await this.waitFor(
      () => {
        const r = this.runs.get(runKey(u.key, runId));
        return r && r.events.some((e) => e.type === 'agent_completed') ? r : undefined;
      },
      timeoutMs,
      () => {
        const r = this.runs.get(runKey(u.key, runId));
        return {
          message: `run ${runId} did not complete for ${u.key} within ${timeoutMs} ms`,
          expected: ['... agent_completed'],
          received: r ? r.events.map((e) => `#${e.seq} ${e.type}`) : [`no event of run ${runId} reached ${u.key}`],
        };
      },
      u,
      { step: result, waiting_for: `run ${runId} to complete` },
    );
    const { problems, timings } = checkRun(run, {
      events: spec.events,
      shape: spec.shape,
      status: spec.status,
      response: spec.response === undefined ? undefined : this.render(spec.response, extra),
      payloads: spec.payloads === undefined ? undefined : this.render(spec.payloads, extra),
      latency: spec.latency,
    });
    const types = run.events.map((e) => e.type);
    result.title = `expect run ${runId} for ${u.key}: ${types.length} events, ${String(run.status)}`;
    result.detail = [types.join(' → '), ...timings].join('\n');
    if (problems.length > 0) {
      throw new StepFailed({
        message: problems.map((p) => p.message).join('; '),
        expected: problems.flatMap((p) => p.expected ?? []),
        received: problems.flatMap((p) => p.received ?? []),
      });
    }
  }

  private async doExpectNothing(spec: ExpectNothingStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    const pattern = spec.match !== undefined ? this.render(spec.match, extra) : { type: { $oneOf: [...RUN_TYPES, 'message_ack'] } };
    const within = spec.within_ms ?? 200;
    result.title = `expect ${u.key} received nothing matching ${show(pattern)}`;
    await this.sleep(within);
    const offending = u.inbox.filter((i) => mismatches(pattern, i.envelope).length === 0);
    if (offending.length > 0) {
      throw new StepFailed({
        message: `${u.key} received ${offending.length} envelope(s) it must not`,
        expected: ['nothing'],
        received: offending.slice(0, 20).map((i) => summarize(i.envelope)),
      });
    }
    result.detail = `${u.inbox.length} envelope(s) received in all, none matching`;
  }

  private async doExpectCount(spec: ExpectCountStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    const pattern = this.render(spec.match, extra);
    const count = this.render(spec.count, extra);
    result.title = `expect ${u.key} received ${show(count)} × ${show(pattern)}`;
    await this.sleep(spec.within_ms ?? 200);
    const matching = u.inbox.filter((i) => mismatches(pattern, i.envelope).length === 0);
    if (mismatches(count, matching.length).length > 0) {
      throw new StepFailed({
        message: `${u.key} received ${matching.length} matching envelope(s), expected ${show(count)}`,
        expected: [`count: ${show(count)}`],
        received: [`count: ${matching.length}`, ...matching.slice(0, 20).map((i) => `  ${summarize(i.envelope)}`)],
      });
    }
    result.title = `expect ${u.key} received ${matching.length} × ${show(pattern)}`;
  }

  private async doExpectOrder(spec: ExpectOrderStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    const type = spec.event ?? 'agent_started';
    const runIds = spec.runs.map((r) => this.renderStr(r, extra));
    const timeoutMs = this.timeout(spec.timeout_ms);
    result.title = `expect ${type} order of ${runIds.length} runs for ${u.key}`;
    const positions = (): number[] => runIds.map((id) => u.inbox.findIndex((i) => i.envelope.type === type && i.envelope.run_id === id));
    await this.waitFor(
      () => (positions().every((p) => p >= 0) ? true : undefined),
      timeoutMs,
      () => ({ message: `not every run had a ${type} within ${timeoutMs} ms`, expected: runIds, received: runIds.filter((_, i) => positions()[i] !== -1) }),
    );
    const pos = positions();
    const actual = [...runIds].sort((a, b) => (pos[runIds.indexOf(a)] as number) - (pos[runIds.indexOf(b)] as number));
    if (actual.some((id, i) => id !== runIds[i])) {
      throw new StepFailed({ message: `${type} arrived in a different order`, ...sequenceDiff(runIds, actual) });
    }
    result.detail = actual.join(' → ');
  }

  private async doResume(spec: ResumeStep, result: StepResult, extra: TemplateScope): Promise<void> {
    const u = this.user(spec.user);
    if (!u.connection || u.connection.state !== 'open') throw new StepFailed({ message: `${u.key} is not connected (connect again before resume)` });
    const runId = this.renderStr(spec.run, extra);
    const run = this.runs.get(runKey(u.key, runId));
    // The highest seq received without a gap before it: everything after it is replayed.
    let seen = 0;
    const seqs = new Set(run?.events.map((e) => e.seq));
    while (seqs.has(seen + 1)) seen++;
    const afterSeq = spec.after_seq === undefined ? seen : Number(typeof spec.after_seq === 'string' ? this.renderStr(spec.after_seq, extra) : spec.after_seq);
    if (!Number.isInteger(afterSeq) || afterSeq < 0) throw new StepFailed({ message: `after_seq must be a whole number ≥ 0, got ${String(afterSeq)}` });
    this.sendCounter++;
    this.resumed.add(runKey(u.key, runId));
    const message = { type: 'resume', message_id: `${this.runId}-m${this.sendCounter}`, payload: { run_id: runId, after_seq: afterSeq } };
    u.connection.send(message);
    const rec: SentRecord = { user: u.key, at_ms: this.now(), data: message };
    this.sent.push(rec);
    this.options.onSent?.(rec);
    result.title = `resume run ${runId} as ${u.key} after seq ${afterSeq}`;
  }
}
