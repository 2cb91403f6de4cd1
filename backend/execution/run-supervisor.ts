/**
 * Keeps runs moving whatever happens to processes: heartbeats this instance's liveness
 * in the cache, ends `interrupted` the runs whose owner is no longer alive (a crash, a
 * SIGKILL), and wakes engines for users with queued runs (after a restart, or work queued
 * through another process).
 */
import type { Cache } from '../cache/cache-types.ts';
import type { EventPublisher } from '../delivery/event-publisher.ts';
import type { Store } from '../store/store-types.ts';
import type { ExecutionEngineFactory } from './execution-engine-factory.ts';
import { endRunWithoutAgent } from './run-executor.ts';

export class RunSupervisor {
  #timer: NodeJS.Timeout | null = null;
  #ticking = false;
  /** Runs of ours that no engine executed at the last tick. */
  #unexecuted = new Set<string>();

  constructor(
    private readonly deps: {
      store: Store;
      cache: Cache;
      publisher: EventPublisher;
      engines: ExecutionEngineFactory;
      instanceId: string;
      intervalMs: number;
      leaseMs: number;
      onError(err: unknown): void;
      /** A run whose owner process is gone is about to be ended `interrupted` (for the log: who owned it). */
      onOrphan?(orphan: { runId: string; userId: string; owner: string | null }): void;
    },
  ) {}

  static instanceKey(instanceId: string): string {
    return `instance:${instanceId}`;
  }

  async start(): Promise<void> {
    await this.deps.cache.acquireLease(RunSupervisor.instanceKey(this.deps.instanceId), this.deps.instanceId, this.deps.leaseMs);
    await this.tick();
    this.#timer = setInterval(() => void this.tick(), this.deps.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.deps.cache.releaseLease(RunSupervisor.instanceKey(this.deps.instanceId), this.deps.instanceId).catch(() => undefined);
  }

  async tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    const { store, cache, instanceId } = this.deps;
    try {
      await cache.acquireLease(RunSupervisor.instanceKey(instanceId), instanceId, this.deps.leaseMs);
      await cache.renewLease(RunSupervisor.instanceKey(instanceId), instanceId, this.deps.leaseMs);
      await this.interruptOrphans();
      for (const userId of await store.listUsersWithQueuedRuns(500)) this.deps.engines.notify(userId);
    } catch (err) {
      this.deps.onError(err);
    } finally {
      this.#ticking = false;
    }
  }

  /**
   * Ends `interrupted` every running run whose owner process is gone, and every run of this
   * process that no engine executes any more (seen so on two ticks in a row).
   */
  async interruptOrphans(): Promise<number> {
    const { store, cache, instanceId } = this.deps;
    let count = 0;
    const alive = new Map<string, boolean>();
    const suspects = new Set<string>();
    for (const run of await store.listRunningRuns()) {
      const owner = run.ownerId;
      if (owner === instanceId) {
        if (this.deps.engines.isExecuting(run.userId, run.id)) continue;
        // Ours, yet no engine executes it (its executor gave up storing its end): ended on
        // the second tick that sees it so, never between a claim and its execution.
        if (!this.#unexecuted.has(run.id)) {
          suspects.add(run.id);
          continue;
        }
        if (await this.#end(run.id, 'The run stopped before it ended (its end could not be stored); the supervisor ended it.', owner)) count += 1;
        continue;
      }
      if (owner && !alive.has(owner)) alive.set(owner, (await cache.leaseOwner(RunSupervisor.instanceKey(owner))) === owner);
      if (owner && alive.get(owner)) continue;
      this.deps.onOrphan?.({ runId: run.id, userId: run.userId, owner });
      if (await this.#end(run.id, 'The process running this run stopped before it ended.', owner)) count += 1;
    }
    this.#unexecuted = suspects;
    return count;
  }

  async #end(runId: string, error: string, owner: string | null): Promise<boolean> {
    const { store, publisher } = this.deps;
    const full = await store.getRun(runId);
    if (!full) return false;
    return endRunWithoutAgent({ store, publisher }, full, {
      status: 'interrupted',
      error,
      durationMs: full.startedAt ? Date.now() - Date.parse(full.startedAt) : 0,
      expectedStatuses: ['running'],
      expectedOwnerId: owner,
    });
  }
}
