/**
 * Creates one execution engine per user, each with its own UserExecutionContext. A
 * user's runs execute one at a time, in priority order (the store's claim order),
 * guarded across processes by a per-user lease in the cache; different users run
 * concurrently up to a global limit, with a cap per agent so one slow agent cannot take every
 * slot (concurrency-limiter.ts). A run cancelled while it waits for a slot ends at once.
 * Engines of idle users are released.
 */
import type { Cache } from '../cache/cache-types.ts';
import { isUnavailable } from '../errors/unavailable.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import type { NextRunHandoff, RunExecutor } from './run-executor.ts';
import { UserExecutionContext } from './user-execution-context.ts';
import type { ClaimRequest, RunRecord, Store } from '../store/store-types.ts';

export interface EngineDeps {
  store: Store;
  cache: Cache;
  executor: RunExecutor;
  instanceId: string;
  maxConcurrentRuns: number;
  /** Slots one agent may hold (AGENT_MAX_CONCURRENT_RUNS; default half of maxConcurrentRuns). */
  maxConcurrentRunsPerAgent?: number | undefined;
  idleMs: number;
  leaseMs: number;
  /** Called once this process holds the user's lease, before its runs: cancels and wake-ups for the user must reach it. */
  onLease?(userId: string): Promise<void>;
  onError(err: unknown): void;
}

/** What a write handed to `submit` tells the engine. */
export interface SubmittedWrite {
  /** A run was queued (not a duplicate or a refusal). */
  queued: boolean;
  /** With a claim: the run claimed in the same write (null: none queued); unset without one. */
  claimed?: RunRecord | null | undefined;
}

interface Submission {
  write(claim: ClaimRequest | null): Promise<SubmittedWrite>;
  resolve(outcome: SubmittedWrite): void;
  reject(err: unknown): void;
  onElsewhere(): void;
}

export class UserExecutionEngine {
  readonly context: UserExecutionContext;
  #draining = false;
  #again = false;
  #closed = false;
  /** This process holds the user's lease (between a successful acquire and the release). */
  #leased = false;
  /** Told when the lease turns out to be held by another process (see kick). */
  #onElsewhere: (() => void) | null = null;
  /** Work handed over by `submit`, made by the drain that starts next. */
  #submission: Submission | null = null;
  /** Settles once that submission's write is made (or failed). */
  #pendingWrite: Promise<void> | null = null;

  constructor(
    userId: string,
    private readonly deps: EngineDeps,
    private readonly limiter: ConcurrencyLimiter,
  ) {
    this.context = new UserExecutionContext(userId, deps.instanceId);
  }

  get busy(): boolean {
    return this.#draining;
  }

  /**
   * Something may be queued for this user: run it (now, or after the current drain).
   * `onElsewhere` is called when another process holds the user's lease (it runs the work
   * and must be told); not when this process holds it: its drain claims again.
   */
  kick(onElsewhere?: () => void): void {
    if (this.#closed) {
      // Stopped (shutting down): this process runs nothing more for the user, so whoever
      // may must hear of the work (its queued run would else wait for a supervisor tick).
      onElsewhere?.();
      return;
    }
    if (onElsewhere && !this.#leased) this.#onElsewhere = onElsewhere;
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#startDrain();
  }

  /**
   * Queues work for this user through `write` (the store write that queues a run) and runs
   * it. When the user is idle here, the write is made by the drain, once this process holds
   * the user's lease, with the claim of the user's next run in it (one write: the run is
   * stored already claimed); else it is made at once and the engine is kicked (with
   * `onElsewhere`, see kick). Resolves with the write's outcome.
   */
  submit<T extends SubmittedWrite>(write: (claim: ClaimRequest | null) => Promise<T>, onElsewhere: () => void): Promise<T> {
    if (this.#closed || this.#draining) {
      // Behind a submission whose write the drain has not made yet: writes keep their order.
      const before = this.#pendingWrite;
      const written = before ? before.then(() => write(null)) : write(null);
      return written.then((outcome) => {
        if (outcome.queued) this.kick(onElsewhere);
        return outcome;
      });
    }
    const pending = new Promise<T>((resolve, reject) => {
      this.#submission = { write, resolve: resolve as (outcome: SubmittedWrite) => void, reject, onElsewhere };
      this.#startDrain();
    });
    const settled = pending.then(
      () => undefined,
      () => undefined,
    );
    this.#pendingWrite = settled;
    void settled.then(() => {
      if (this.#pendingWrite === settled) this.#pendingWrite = null;
    });
    return pending;
  }

  #startDrain(): void {
    this.#draining = true;
    void this.#drain()
      .catch((err: unknown) => this.deps.onError(err))
      .finally(() => {
        this.#draining = false;
        this.context.lastActivity = Date.now();
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** The submission's write without a claim; its caller learns the outcome. */
  async #writeAlone(submission: Submission): Promise<SubmittedWrite | null> {
    try {
      const outcome = await submission.write(null);
      submission.resolve(outcome);
      return outcome;
    } catch (err) {
      submission.reject(err);
      return null;
    }
  }

  async #drain(): Promise<void> {
    const { store, cache, instanceId } = this.deps;
    const userId = this.context.userId;
    const leaseKey = `user-lease:${userId}`;
    const leaseMs = this.deps.leaseMs;
    const submission = this.#submission;
    this.#submission = null;
    let leased: boolean;
    try {
      leased = await cache.acquireLease(leaseKey, instanceId, leaseMs);
    } catch (err) {
      if (submission) await this.#writeAlone(submission);
      throw err;
    }
    if (!leased) {
      // Another process runs this user: it learns of work queued here through onElsewhere
      // (told before the submission's caller hears its outcome).
      let outcome: SubmittedWrite | null = null;
      let failure: { err: unknown } | null = null;
      if (submission) {
        try {
          outcome = await submission.write(null);
        } catch (err) {
          failure = { err };
        }
      }
      const tell = this.#onElsewhere ?? (outcome?.queued ? submission?.onElsewhere : undefined);
      this.#onElsewhere = null;
      tell?.();
      if (failure) submission?.reject(failure.err);
      else if (outcome) submission?.resolve(outcome);
      return;
    }
    this.#leased = true;
    this.#onElsewhere = null;
    const renew = setInterval(() => {
      cache.renewLease(leaseKey, instanceId, leaseMs).catch(() => undefined);
    }, leaseMs / 3);
    // The run claimed with the previous run's end or the submission's write (null: none was
    // queued then; undefined: no claim made).
    let next: RunRecord | null | undefined;
    try {
      try {
        await this.deps.onLease?.(userId);
      } catch (err) {
        if (submission) await this.#writeAlone(submission);
        throw err;
      }
      if (submission) {
        // Its claim counts as a claim: wake-ups from here on are for runs queued after it.
        this.#again = false;
        const closed = this.#closed;
        try {
          const outcome = await submission.write(closed ? null : { userId, ownerId: instanceId, startedAt: new Date().toISOString() });
          next = outcome.claimed;
          // Stopped while it took the lease: queued for another process, which must hear of it.
          if (closed && outcome.queued) submission.onElsewhere();
          submission.resolve(outcome);
        } catch (err) {
          // Its outcome unknown (it may have committed, its claim with it): a run it claimed
          // would be executed by nobody here; back to the queue first, claimed again below.
          if (!closed && isUnavailable(err)) await this.#releaseUnknownClaims();
          submission.reject(err);
        }
      }
      for (;;) {
        if (this.#closed) return;
        let run: RunRecord | null;
        // A wake-up since that claim (#again) may be for a run queued after it: claim again.
        if (next !== undefined && (next !== null || !this.#again)) {
          run = next;
        } else {
          this.#again = false;
          run = await store.claimNextRun(userId, instanceId, new Date().toISOString());
        }
        next = undefined;
        if (!run) return;
        // Known as executing here from the claim on (the supervisor ends runs this process
        // owns but does not execute), also while it waits for a global slot.
        const signal = this.context.begin(run.id);
        try {
          if (!(await this.limiter.acquire(run.agent, signal))) {
            // Cancelled (or shut down) while it waited for a slot: it ends without running.
            await this.deps.executor.endUnstarted(run, signal);
            continue;
          }
          try {
            // From here a wake-up counts against the claim made with this run's end.
            this.#again = false;
            const handoff: NextRunHandoff = {
              claim: () => (this.#closed ? null : { userId, ownerId: instanceId, startedAt: new Date().toISOString() }),
            };
            try {
              await this.deps.executor.execute(run, signal, handoff);
            } finally {
              // Also when the executor threw after its end's claim: that run is ours to run (or release).
              next = handoff.claimed;
              // A write with the claim failed with its outcome unknown: a run it may have
              // claimed for us is not known here; back to the queue, claimed again below.
              if (handoff.uncertain) await this.#releaseUnknownClaims(run.id);
            }
          } finally {
            this.limiter.release(run.agent);
          }
        } finally {
          this.context.end(run.id);
        }
      }
    } finally {
      // Claimed with a run's end but not run here (stopped meanwhile, or the executor threw):
      // back to the queue, for this process's next drain or another process.
      if (next) await store.releaseRun(next.id, instanceId).catch((err: unknown) => this.deps.onError(err));
      clearInterval(renew);
      this.#leased = false;
      await cache.releaseLease(leaseKey, instanceId).catch(() => undefined);
    }
  }

  /**
   * Gives back to the queue the user's runs that this process owns yet does not execute
   * (other than `current`): claims made by a write whose outcome was unknown. Only the
   * drain holding the user's lease claims the user's runs here, so those are strays.
   */
  async #releaseUnknownClaims(current?: string): Promise<void> {
    const { store, instanceId } = this.deps;
    try {
      for (const run of await store.listRunningRuns()) {
        if (run.userId !== this.context.userId || run.ownerId !== instanceId || run.id === current || this.context.has(run.id)) continue;
        await store.releaseRun(run.id, instanceId);
      }
    } catch (err) {
      // Left to the run supervisor (it ends such runs `interrupted`).
      this.deps.onError(err);
    }
  }

  /** Claims no further runs; the current one goes on. */
  stop(): void {
    this.#closed = true;
  }

  close(reason: string): void {
    this.stop();
    this.context.cancelAll(reason);
  }
}

export class ExecutionEngineFactory {
  readonly #engines = new Map<string, UserExecutionEngine>();
  readonly #limiter: ConcurrencyLimiter;
  readonly #idleTimer: NodeJS.Timeout;

  constructor(private readonly deps: EngineDeps) {
    this.#limiter = new ConcurrencyLimiter(deps.maxConcurrentRuns, deps.maxConcurrentRunsPerAgent);
    this.#idleTimer = setInterval(() => this.releaseIdle(), Math.max(1000, Math.min(deps.idleMs, 10_000)));
    this.#idleTimer.unref();
  }

  engineFor(userId: string): UserExecutionEngine {
    let engine = this.#engines.get(userId);
    if (!engine) {
      engine = new UserExecutionEngine(userId, this.deps, this.#limiter);
      this.#engines.set(userId, engine);
    }
    return engine;
  }

  /** True while this process drains the user's runs (it holds the user's lease). */
  isBusy(userId: string): boolean {
    return this.#engines.get(userId)?.busy ?? false;
  }

  /**
   * A run was queued for the user (here or on another process). `onElsewhere`: called when
   * another process holds the user's lease (so only then need it be woken).
   */
  notify(userId: string, onElsewhere?: () => void): void {
    this.engineFor(userId).kick(onElsewhere);
  }

  /** See UserExecutionEngine.submit. */
  submit<T extends SubmittedWrite>(userId: string, write: (claim: ClaimRequest | null) => Promise<T>, onElsewhere: () => void): Promise<T> {
    return this.engineFor(userId).submit(write, onElsewhere);
  }

  /** Whether this process is executing the run (claimed it and has not finished with it). */
  isExecuting(userId: string, runId: string): boolean {
    return this.#engines.get(userId)?.context.has(runId) ?? false;
  }

  /** Aborts the run if this process executes it. */
  cancelLocal(userId: string, runId: string): boolean {
    return this.#engines.get(userId)?.context.cancel(runId) ?? false;
  }

  releaseIdle(now = Date.now()): number {
    let released = 0;
    for (const [userId, engine] of this.#engines) {
      if (!engine.busy && engine.context.running === 0 && now - engine.context.lastActivity >= this.deps.idleMs) {
        this.#engines.delete(userId);
        released += 1;
      }
    }
    return released;
  }

  get engineCount(): number {
    return this.#engines.size;
  }

  get runningCount(): number {
    return this.#limiter.active;
  }

  /** Stops every engine; running runs are aborted with `reason` and end as the executor decides. */
  async shutdown(reason: string, graceMs: number): Promise<void> {
    clearInterval(this.#idleTimer);
    for (const engine of this.#engines.values()) engine.stop();
    const deadline = Date.now() + graceMs;
    while (this.#limiter.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const engine of this.#engines.values()) engine.close(reason);
    const hard = Date.now() + 5000;
    while ([...this.#engines.values()].some((e) => e.busy) && Date.now() < hard) await new Promise((r) => setTimeout(r, 10));
  }
}
