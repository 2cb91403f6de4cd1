/**
 * Creates one execution engine per user, each with its own UserExecutionContext. A
 * user's runs execute one at a time, in priority order (the store's claim order),
 * guarded across processes by a per-user lease in the cache; different users run
 * concurrently up to a global limit, with a cap per agent so one slow agent cannot take every
 * slot (concurrency-limiter.ts). A run cancelled while it waits for a slot ends at once.
 * Engines of idle users are released.
 *
 * Leases. A user's lease is taken when the user's engine starts draining and kept after the
 * drain ends, for a grace period while the user is idle here (a user sending again soon, the
 * usual case, costs no acquire and no release). One process-wide timer renews every lease the
 * process holds, in one call to the cache (one round trip), every leaseMs/3, and gives back
 * those whose user has been idle here for the grace period. Work queued for such a user
 * through another process reaches this process as before: the other process fails to take
 * the lease and publishes a wake-up, which this process receives while it holds the lease
 * (the user's channel stays subscribed: isBusy). When this process dies its leases expire
 * after leaseMs (failover, as for a lease held mid-run); on shutdown those of idle users are
 * released at once, the others renewed until their drains end, then released.
 * A held lease is trusted only while a renewal less than 2/3 of leaseMs old (by this
 * process's monotonic clock, from when it was sent) said it is ours; after that a drain takes it again.
 * A renewal that finds the lease no longer ours stops the drain's claims: it takes the lease
 * again if free, else leaves the user's queue to the holder.
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
  /** How long a user's lease is kept while the user is idle here (default leaseMs / 3, one renewal period). */
  leaseGraceMs?: number | undefined;
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

/**
 * The clock of the lease's trust window: monotonic, so a step of the wall clock (NTP, a VM
 * resumed) cannot stretch the time a held lease is trusted without a renewal.
 */
const leaseClock = (): number => performance.now();

export class UserExecutionEngine {
  readonly context: UserExecutionContext;
  readonly leaseKey: string;
  #draining = false;
  #again = false;
  #closed = false;
  /** This process holds the user's lease (between a successful acquire and the release, or a renewal that found it lost). */
  #leased = false;
  /** Counts acquires and releases: a renewal answer about an earlier holding is ignored. */
  #leaseGeneration = 0;
  /** Until when (leaseClock) the lease is surely ours: when the last acquire or renewal that said so was sent, plus leaseMs. */
  #leaseValidUntil = 0;
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
    this.leaseKey = `user-lease:${userId}`;
  }

  get busy(): boolean {
    return this.#draining;
  }

  /** This process holds the user's lease (draining, or idle within the grace period). */
  get leased(): boolean {
    return this.#leased;
  }

  /** The lease is held and recently confirmed: a drain may run without taking it again. */
  #holdsLease(now: number): boolean {
    return this.#leased && now < this.#leaseValidUntil - this.deps.leaseMs / 3;
  }

  #tookLease(sentAt: number): void {
    this.#leased = true;
    this.#leaseGeneration += 1;
    this.#leaseValidUntil = sentAt + this.deps.leaseMs;
  }

  /** What the process-wide renewal needs to apply its answer to this holding. */
  renewalTicket(): { generation: number; sentAt: number } {
    return { generation: this.#leaseGeneration, sentAt: leaseClock() };
  }

  /** The renewal sent with `ticket` answered: still ours (extended), or lost to expiry or another process. */
  renewed(ticket: { generation: number; sentAt: number }, ours: boolean): void {
    if (!this.#leased || ticket.generation !== this.#leaseGeneration) return;
    if (ours) this.#leaseValidUntil = Math.max(this.#leaseValidUntil, ticket.sentAt + this.deps.leaseMs);
    else {
      // Not ours any more: the next drain asks for it again (and, refused, tells its holder).
      this.#leased = false;
      this.#leaseGeneration += 1;
    }
  }

  /** Milliseconds the user has been idle here (0 while draining or running). */
  idleFor(now: number): number {
    return this.#draining || this.context.running > 0 ? 0 : Math.max(0, now - this.context.lastActivity);
  }

  /** Gives the lease back (grace over, or shutting down); not while draining. */
  async releaseLease(): Promise<void> {
    if (!this.#leased || this.#draining) return;
    await this.#dropLease();
  }

  async #dropLease(): Promise<void> {
    this.#leased = false;
    this.#leaseGeneration += 1;
    await this.deps.cache.releaseLease(this.leaseKey, this.deps.instanceId).catch(() => undefined);
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
    if (onElsewhere && !this.#holdsLease(leaseClock())) this.#onElsewhere = onElsewhere;
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
    const submission = this.#submission;
    this.#submission = null;
    // Held since an earlier drain (idle within the grace period): no round trip.
    const sentAt = leaseClock();
    const fresh = !this.#holdsLease(sentAt);
    let leased = !fresh;
    if (fresh) {
      try {
        leased = await cache.acquireLease(this.leaseKey, instanceId, this.deps.leaseMs);
      } catch (err) {
        if (submission) await this.#writeAlone(submission);
        throw err;
      }
      if (leased) this.#tookLease(sentAt);
      else if (this.#leased) {
        // Believed held, yet another process has it (ours expired meanwhile).
        this.#leased = false;
        this.#leaseGeneration += 1;
      }
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
    this.#onElsewhere = null;
    // The run claimed with the previous run's end or the submission's write (null: none was
    // queued then; undefined: no claim made).
    let next: RunRecord | null | undefined;
    try {
      try {
        // Once per holding: the user's channel stays subscribed while the lease is held.
        if (fresh) await this.deps.onLease?.(userId);
      } catch (err) {
        if (submission) await this.#writeAlone(submission);
        await this.#dropLease();
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
          // A renewal found the lease lost meanwhile: no claim before it is ours again.
          if (!this.#leased && !(await this.#retakeLease())) return;
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
              // No claim with the end once a renewal found the lease lost (see #retakeLease).
              claim: () => (this.#closed || !this.#leased ? null : { userId, ownerId: instanceId, startedAt: new Date().toISOString() }),
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
      // The lease stays for the grace period (the process-wide timer renews it, then gives it
      // back); a stopped engine gives it back now.
      if (this.#closed && this.#leased) await this.#dropLease();
    }
  }

  /**
   * Mid-drain, after a renewal answered that the lease is no longer ours (it ran out, during a
   * stall say, and another process may have taken it and be claiming the user's runs): takes
   * it again if free, else the drain stops there (the holder runs the queue; it is told of
   * work queued here). Without this the drain would claim beside the new holder.
   */
  async #retakeLease(): Promise<boolean> {
    const sentAt = leaseClock();
    if (await this.deps.cache.acquireLease(this.leaseKey, this.deps.instanceId, this.deps.leaseMs)) {
      this.#tookLease(sentAt);
      return true;
    }
    const tell = this.#onElsewhere;
    this.#onElsewhere = null;
    tell?.();
    return false;
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
  readonly #leaseTimer: NodeJS.Timeout;
  readonly #leaseGraceMs: number;
  #renewing: Promise<void> | null = null;

  constructor(private readonly deps: EngineDeps) {
    this.#limiter = new ConcurrencyLimiter(deps.maxConcurrentRuns, deps.maxConcurrentRunsPerAgent);
    this.#idleTimer = setInterval(() => this.releaseIdle(), Math.max(1000, Math.min(deps.idleMs, 10_000)));
    this.#idleTimer.unref();
    this.#leaseGraceMs = deps.leaseGraceMs ?? deps.leaseMs / 3;
    this.#leaseTimer = setInterval(() => void this.renewLeases(), deps.leaseMs / 3);
    this.#leaseTimer.unref();
  }

  /**
   * The process-wide lease timer's work: gives back the leases of users idle here for the
   * grace period, and renews all the others in one call (one round trip). Runs every
   * leaseMs/3; a call while the previous one is still out waits for it instead.
   */
  renewLeases(now = Date.now()): Promise<void> {
    this.#renewing ??= this.#renewHeld(now).finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  async #renewHeld(now: number): Promise<void> {
    const held = [...this.#engines.values()].filter((engine) => engine.leased);
    const expired = held.filter((engine) => engine.idleFor(now) >= this.#leaseGraceMs);
    const renew = held.filter((engine) => !expired.includes(engine));
    const released = Promise.all(expired.map((engine) => engine.releaseLease()));
    if (renew.length > 0) {
      const tickets = renew.map((engine) => engine.renewalTicket());
      try {
        const ours = await this.deps.cache.renewLeases(
          renew.map((engine) => engine.leaseKey),
          this.deps.instanceId,
          this.deps.leaseMs,
        );
        renew.forEach((engine, i) => engine.renewed(tickets[i]!, ours[i] === true));
      } catch (err) {
        // Unanswered (the cache is down: the supervisor reports that): each lease is trusted
        // until its last confirmation runs out, then taken again by the next drain.
        if (!isUnavailable(err)) this.deps.onError(err);
      }
    }
    await released;
  }

  /** Users whose lease this process holds. */
  get leaseCount(): number {
    let count = 0;
    for (const engine of this.#engines.values()) if (engine.leased) count += 1;
    return count;
  }

  engineFor(userId: string): UserExecutionEngine {
    let engine = this.#engines.get(userId);
    if (!engine) {
      engine = new UserExecutionEngine(userId, this.deps, this.#limiter);
      this.#engines.set(userId, engine);
    }
    return engine;
  }

  /**
   * True while this process drains the user's runs or holds the user's lease (idle within the
   * grace period): wake-ups for the user must reach this process, so its channel stays.
   */
  isBusy(userId: string): boolean {
    const engine = this.#engines.get(userId);
    return engine !== undefined && (engine.busy || engine.leased);
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
      if (!engine.busy && !engine.leased && engine.context.running === 0 && now - engine.context.lastActivity >= this.deps.idleMs) {
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
    // A stopped engine drains no more: the leases of users idle here go back at once, so
    // another process can take their work now rather than when this one has finished.
    const idle = Promise.all([...this.#engines.values()].map((engine) => engine.releaseLease()));
    // The lease timer goes on meanwhile: a run still going here keeps its user's lease (else
    // it could lapse mid-run and another process start the user's next run beside it).
    const deadline = Date.now() + graceMs;
    while (this.#limiter.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const engine of this.#engines.values()) engine.close(reason);
    const hard = Date.now() + 5000;
    while ([...this.#engines.values()].some((e) => e.busy) && Date.now() < hard) await new Promise((r) => setTimeout(r, 10));
    clearInterval(this.#leaseTimer);
    await idle;
    // The rest (a drain still running gives its own back as it ends).
    await this.#renewing?.catch(() => undefined);
    await Promise.all([...this.#engines.values()].map((engine) => engine.releaseLease()));
  }
}
