/**
 * Executes one claimed run: emits agent_started, runs the agent through an AgentContext,
 * and ends with exactly one agent_completed. Every event is persisted before it is
 * published (protocol.md §5).
 *
 * Whatever the agent does, the run ends (issue 17):
 * - its budget (run-budget.ts: events, payload bytes, thought length), charged by the
 *   context for every agent kind; past it the run fails at once with the budget's error,
 *   even when the agent catches that error or never returns;
 * - backpressure: the agent's emits wait while the run's writes are behind
 *   (run-event-writer.ts), so an agent that awaits them cannot outrun the store;
 * - after an abort (cancel_run, shutdown) the agent has `cancelGraceMs` (shutdown: at most
 *   SHUTDOWN_GRACE_MS) to stop; then the run ends `cancelled` / `interrupted` without it:
 *   the agent's later events are refused, its slot and the user's lease are released.
 */
import type { FinalRunStatus, RunEventDraft, RunEventEnvelope, RunStatus } from '../../protocol/index.ts';
import { createAgentContext } from '../agents/agent-context.ts';
import { DEFAULT_RUN_BUDGET, type RunBudget, type RunBudgetError } from '../agents/run-budget.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import type { Tool, TokenUsage } from '../agents/agent-types.ts';
import { loadThreadHistory } from '../agents/thread-history.ts';
import type { EventPublisher } from '../delivery/event-publisher.ts';
import { isUnavailable } from '../errors/unavailable.ts';
import { DEFAULT_WRITE_BACKLOG, RunEventWriter, type WriteBacklogLimits } from './run-event-writer.ts';
import type { ClaimRequest, RunRecord, Store, StoredEvent } from '../store/store-types.ts';
import { safeErrorMessage } from '../agents/safe-error.ts';

export interface RunExecutorDeps {
  store: Store;
  publisher: EventPublisher;
  agents: AgentRegistry;
  /** The tool set a run starts with (a module reload swaps it; a run keeps the one it got). */
  tools: () => ReadonlyMap<string, Tool>;
  instanceId: string;
  /** Timings for metrics (all optional). */
  observe?: RunObserver;
  /** Told when storing a run's end first failed and is being retried (for a warning in the log). */
  onRetry?(runId: string, err: unknown): void;
  /** Each run's budget (default DEFAULT_RUN_BUDGET). */
  budget?: RunBudget;
  /** After an abort, how long the agent may take to stop before the run ends without it (default 5 s). */
  cancelGraceMs?: number;
  /** How far a run's writes may fall behind before its agent waits (default DEFAULT_WRITE_BACKLOG). */
  writeBacklog?: WriteBacklogLimits;
}

export const DEFAULT_CANCEL_GRACE_MS = 5000;
/** At shutdown the grace is at most this (the runs had their chance to finish before the abort). */
export const SHUTDOWN_GRACE_MS = 1000;

/** The error of a run ended after its abort's grace period while its agent still ran. */
class AgentAbandoned extends Error {
  constructor(graceMs: number) {
    super(`the agent did not stop within ${graceMs} ms of the abort`);
  }
}

type AgentOutcome<T> = { ok: true; value: T } | { ok: false; err: unknown };

/**
 * The agent's outcome, or an end without it: at once when the budget is exceeded, or
 * `graceMs` (shutdown: at most SHUTDOWN_GRACE_MS) after the signal aborted.
 */
function raceAgent<T>(running: Promise<T>, signal: AbortSignal, graceMs: number, budgetExceeded: Promise<RunBudgetError>): Promise<AgentOutcome<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort = (): void => undefined;
  const abandoned = new Promise<AgentOutcome<T>>((resolve) => {
    onAbort = () => {
      const ms = signal.reason === 'shutdown' ? Math.min(graceMs, SHUTDOWN_GRACE_MS) : graceMs;
      timer = setTimeout(() => resolve({ ok: false, err: new AgentAbandoned(ms) }), ms);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const outcome = running.then(
    (value): AgentOutcome<T> => ({ ok: true, value }),
    (err: unknown): AgentOutcome<T> => ({ ok: false, err }),
  );
  const overBudget = budgetExceeded.then((err): AgentOutcome<T> => ({ ok: false, err }));
  return Promise.race([outcome, abandoned, overBudget]).finally(() => {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  });
}

/**
 * The engine's request to claim the user's next run in the same write as this run's end
 * (Store.finishRunAndClaimNext): one commit between two runs of a user instead of two.
 */
export interface NextRunHandoff {
  /** Asked when the end is written: the claim to make, or null for none (the engine stopped). */
  claim(): ClaimRequest | null;
  /** Set by the executor: the run claimed with the end (null: none was queued); unset when no claim was made. */
  claimed?: RunRecord | null;
  /**
   * Set by the executor when a write with the claim failed with its outcome unknown (it may
   * have committed): a run may be claimed for this process without being in `claimed`. The
   * retries then claim nothing.
   */
  uncertain?: boolean;
}

/** What the executor reports for metrics, in seconds. */
export interface RunObserver {
  /** A run started: how long it waited since it was accepted. */
  started?(queueWaitS: number): void;
  /** Its first event (agent_started) was published: seconds since it was accepted. */
  firstEvent?(sinceAcceptedS: number): void;
  /** A write of run events committed (a batch, or the run's end with its last events). */
  persisted?(seconds: number): void;
  /** The run's agent_completed was published: seconds since it started. */
  ended?(durationS: number): void;
}

export function buildRunEvent(run: Pick<RunRecord, 'id' | 'threadId' | 'messageId' | 'userId'>, seq: number, draft: RunEventDraft): StoredEvent {
  const timestamp = new Date().toISOString();
  const envelope = {
    type: draft.type,
    run_id: run.id,
    thread_id: run.threadId,
    message_id: run.messageId,
    user_id: run.userId,
    seq,
    timestamp,
    payload: draft.payload,
  } as RunEventEnvelope;
  return { runId: run.id, seq, userId: run.userId, type: draft.type, envelope, createdAt: timestamp };
}

/**
 * Ends a run without (further) executing it: a queued run that is cancelled, or a run whose
 * process died. Stores its agent_completed with the next seq, atomically with the status,
 * and publishes it when the status change took effect.
 */
export async function endRunWithoutAgent(
  deps: { store: Store; publisher: EventPublisher },
  run: RunRecord,
  end: { status: FinalRunStatus; error: string; durationMs: number; expectedStatuses: RunStatus[]; expectedOwnerId?: string | null },
): Promise<boolean> {
  const final = buildRunEvent(run, (await deps.store.lastSeq(run.id)) + 1, {
    type: 'agent_completed',
    payload: { status: end.status, response: null, error: end.error, duration_ms: end.durationMs },
  });
  const done = await deps.store.finishRun(run.id, {
    status: end.status,
    response: null,
    error: end.error,
    endedAt: final.createdAt,
    finalEvent: final,
    expectedStatuses: end.expectedStatuses,
    ...(end.expectedOwnerId ? { expectedOwnerId: end.expectedOwnerId } : {}),
  });
  if (done) deps.publisher.publish(run.userId, final.envelope);
  return done;
}

/** A usage object as agent_completed carries it: two non-negative integers. */
function checkUsage(usage: unknown): TokenUsage {
  const u = usage as Partial<TokenUsage> | null;
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (typeof u !== 'object' || u === null || !count(u.input_tokens) || !count(u.output_tokens)) {
    throw new Error('usage must be { input_tokens, output_tokens } with non-negative integers');
  }
  return { input_tokens: u.input_tokens, output_tokens: u.output_tokens };
}

/** The error of a run that failed because its events could not be stored. */
export const STORE_LOST_ERROR = 'The store became unavailable during the run, so it could not go on; it ended once the store was back.';

export class RunExecutor {
  constructor(private readonly deps: RunExecutorDeps) {}

  async execute(run: RunRecord, signal: AbortSignal, next?: NextRunHandoff): Promise<FinalRunStatus> {
    const { store, publisher } = this.deps;
    const startedAt = Date.now();
    // Called one event at a time (the agent context orders them). Pipelined: the event is
    // queued and emit resolves at once, so the agent does not wait for its commit, unless the
    // run's writes are too far behind (then it waits until they caught up: backpressure); it
    // is published once its batch committed. After a failed batch emit throws (the run ends),
    // and seq counts stored events only, so the final event leaves no gap.
    const observe = this.deps.observe;
    const acceptedAt = Date.parse(run.createdAt);
    observe?.started?.(Math.max(0, startedAt - acceptedAt) / 1000);
    const publish = (event: StoredEvent) => {
      publisher.publish(run.userId, event.envelope);
      if (event.seq === 1) observe?.firstEvent?.(Math.max(0, Date.now() - acceptedAt) / 1000);
    };
    const writer = new RunEventWriter(
      store,
      publish,
      observe?.persisted ? (ms) => observe.persisted?.(ms / 1000) : undefined,
      this.deps.writeBacklog ?? DEFAULT_WRITE_BACKLOG,
    );
    // Backpressure: resolves once the run's writes are not too far behind.
    const emit = async (draft: RunEventDraft, bytes = 0): Promise<void> => {
      writer.push((seq) => buildRunEvent(run, seq, draft), bytes);
      await writer.room();
    };
    let rest: StoredEvent[] = [];

    let status: FinalRunStatus = 'succeeded';
    let response: string | null = null;
    let error: string | null = null;
    let usage: TokenUsage | undefined;
    try {
      await emit({ type: 'agent_started', payload: { agent: run.agent, input: run.input.content } });
      const agent = this.deps.agents.get(run.agent);
      if (!agent) throw new Error(`Unknown agent "${run.agent}".`);
      const historyTurns = this.deps.agents.historyTurns(run.agent);
      let budgetExceeded = (_err: RunBudgetError): void => undefined;
      const overBudget = new Promise<RunBudgetError>((resolve) => {
        budgetExceeded = resolve;
      });
      const context = createAgentContext({
        runId: run.id,
        userId: run.userId,
        threadId: run.threadId,
        agent: run.agent,
        input: { content: run.input.content, script: run.input.script },
        history: historyTurns > 0 ? await loadThreadHistory(store, run, historyTurns) : [],
        signal,
        tools: this.deps.tools(),
        emit,
        budget: this.deps.budget ?? DEFAULT_RUN_BUDGET,
        onBudgetExceeded: budgetExceeded,
      });
      // The agent may throw synchronously, never settle, catch the budget error and go on:
      // the run ends all the same.
      const running = new Promise<Awaited<ReturnType<typeof agent.run>>>((resolve) => resolve(agent.run(context)));
      running.catch(() => undefined);
      const outcome = await raceAgent(running, signal, this.deps.cancelGraceMs ?? DEFAULT_CANCEL_GRACE_MS, overBudget);
      // Pairs stay whole and every event the agent emitted is stored before the final one
      // (the ones still pending go in the same write as the final one).
      await context.settle(signal.aborted ? 'aborted' : 'the run ended before the call completed');
      rest = await writer.takeRest();
      if (context.budgetError && !signal.aborted) throw context.budgetError;
      if (!outcome.ok) throw outcome.err;
      if (signal.aborted) throw signal.reason ?? new Error('cancelled');
      const result = outcome.value;
      if (typeof result?.response !== 'string') throw new Error(`agent '${run.agent}' returned no response string`);
      response = result.response;
      usage = result.usage === undefined ? undefined : checkUsage(result.usage);
    } catch (err) {
      if (signal.aborted) {
        status = signal.reason === 'shutdown' ? 'interrupted' : 'cancelled';
        error = status === 'cancelled' ? 'The run was cancelled.' : 'The backend shut down during the run.';
      } else {
        status = 'failed';
        error = isUnavailable(err) ? STORE_LOST_ERROR : safeErrorMessage(err);
      }
    }

    // Failed before taking the rest (the agent context or a batch failed): what is still
    // pending goes with the final event, unless a batch failed (then nothing more is written).
    if (rest.length === 0) rest = await writer.takeRest().catch(() => []);
    const payload = { status, response, error, duration_ms: Date.now() - startedAt, ...(usage ? { usage } : {}) };
    await this.#finish(run, signal, writer.storedSeq, rest, { status, response, error }, payload, publish, next);
    observe?.ended?.((Date.now() - startedAt) / 1000);
    return status;
  }

  /** Ends a claimed run that was aborted before it got a slot: `cancelled` (or `interrupted` at shutdown). */
  async endUnstarted(run: RunRecord, signal: AbortSignal): Promise<void> {
    const shutdown = signal.reason === 'shutdown';
    await endRunWithoutAgent(this.deps, run, {
      status: shutdown ? 'interrupted' : 'cancelled',
      error: shutdown ? 'The backend shut down before the run started.' : 'The run was cancelled before it started.',
      durationMs: 0,
      expectedStatuses: ['running'],
      expectedOwnerId: this.deps.instanceId,
    });
  }

  /**
   * Stores the run's end (status, the run's events not written yet, and agent_completed
   * with the next seq, in one write) and publishes those events, then the final one. While the store is unavailable, retries with backoff
   * until it answers, or until the process shuts down (the run is then left to the
   * supervisor of the next process: it ends `interrupted`). After a failed attempt the next
   * seq is re-read from the store, so an event whose write outcome was unknown leaves no
   * gap and no duplicate seq.
   */
  async #finish(
    run: RunRecord,
    signal: AbortSignal,
    storedSeq: number,
    rest: StoredEvent[],
    end: { status: FinalRunStatus; response: string | null; error: string | null },
    payload: Record<string, unknown>,
    publishEvent: (event: StoredEvent) => void,
    next?: NextRunHandoff,
  ): Promise<void> {
    const { store, publisher } = this.deps;
    let seq = storedSeq;
    let delayMs = FINISH_RETRY_MIN_MS;
    let otherFailures = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        if (attempt > 0) seq = Math.max(seq, await store.lastSeq(run.id));
        const events = rest.filter((e) => e.seq > seq);
        const final = buildRunEvent(run, (events[events.length - 1]?.seq ?? seq) + 1, { type: 'agent_completed', payload } as RunEventDraft);
        const writeStarted = performance.now();
        const input = {
          ...end,
          endedAt: final.createdAt,
          finalEvent: final,
          ...(events.length > 0 ? { events } : {}),
          expectedStatuses: ['running' as const],
          expectedOwnerId: this.deps.instanceId,
        };
        // After a failed write with a claim, no second claim: the first may have committed.
        const claim = next && !next.uncertain ? next.claim() : null;
        let finished: boolean;
        if (claim && next) {
          let outcome: { finished: boolean; next: RunRecord | null };
          try {
            outcome = await store.finishRunAndClaimNext(run.id, input, claim);
          } catch (err) {
            next.uncertain = true;
            throw err;
          }
          finished = outcome.finished;
          next.claimed = outcome.next;
        } else {
          finished = await store.finishRun(run.id, input);
        }
        this.deps.observe?.persisted?.((performance.now() - writeStarted) / 1000);
        if (finished) {
          for (const event of events) publishEvent(event);
          publisher.publish(run.userId, final.envelope);
        }
        return;
      } catch (err) {
        if (!isUnavailable(err) && ++otherFailures >= FINISH_MAX_OTHER_FAILURES) throw err;
        if (signal.aborted && signal.reason === 'shutdown') throw err;
        if (attempt === 0) this.deps.onRetry?.(run.id, err);
        await sleepUnlessShutdown(delayMs, signal);
        delayMs = Math.min(FINISH_RETRY_MAX_MS, delayMs * 2);
      }
    }
  }
}

const FINISH_RETRY_MIN_MS = 100;
const FINISH_RETRY_MAX_MS = 2000;
const FINISH_MAX_OTHER_FAILURES = 3;

/** Waits `ms`, or less when the run is aborted for shutdown. */
function sleepUnlessShutdown(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      if (signal.reason === 'shutdown') done();
    }
    signal.addEventListener('abort', onAbort);
  });
}
