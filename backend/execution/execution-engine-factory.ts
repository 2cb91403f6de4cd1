/**
 * Creates one execution engine per user, each with its own UserExecutionContext. A
 * user's runs execute one at a time, in priority order (the store's claim order),
 * guarded across processes by a per-user lease in the cache; different users run
 * concurrently up to a global limit, with a cap per agent so one slow agent cannot take every
 * slot (concurrency-limiter.ts). A run cancelled while it waits for a slot ends at once.
 * Engines of idle users are released.
 */
import type { Cache } from '../cache/cache-types.ts';
import { ConcurrencyLimiter } from './concurrency-limiter.ts';
import type { RunExecutor } from './run-executor.ts';
import { UserExecutionContext } from './user-execution-context.ts';
import type { Store } from '../store/store-types.ts';

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

export class UserExecutionEngine {
  readonly context: UserExecutionContext;
  #draining = false;
  #again = false;
  #closed = false;

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

  /** Something may be queued for this user: run it (now, or after the current drain). */
  kick(): void {
    if (this.#closed) return;
    if (this.#draining) {
      this.#again = true;
      return;
    }
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

  async #drain(): Promise<void> {
    const { store, cache, instanceId } = this.deps;
    const userId = this.context.userId;
    const leaseKey = `user-lease:${userId}`;
    const leaseMs = this.deps.leaseMs;
    if (!(await cache.acquireLease(leaseKey, instanceId, leaseMs))) return; // another process runs this user
    const renew = setInterval(() => {
      cache.renewLease(leaseKey, instanceId, leaseMs).catch(() => undefined);
    }, leaseMs / 3);
    try {
      await this.deps.onLease?.(userId);
      for (;;) {
        if (this.#closed) return;
        this.#again = false;
        const run = await store.claimNextRun(userId, instanceId, new Date().toISOString());
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
            await this.deps.executor.execute(run, signal);
          } finally {
            this.limiter.release(run.agent);
          }
        } finally {
          this.context.end(run.id);
        }
      }
    } finally {
      clearInterval(renew);
      await cache.releaseLease(leaseKey, instanceId).catch(() => undefined);
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

  /** A run was queued for the user (here or on another process). */
  notify(userId: string): void {
    this.engineFor(userId).kick();
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
