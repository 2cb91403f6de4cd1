/**
 * The limit on runs executing at once in this process (MAX_CONCURRENT_RUNS), with a cap per
 * agent (AGENT_MAX_CONCURRENT_RUNS, default half of the global limit): one slow agent (an
 * agent over HTTP that never answers, say) can hold at most its cap, so the other agents
 * always have slots left (issue 17). Waiters are served in arrival order, except that a
 * waiter whose agent is at its cap lets the ones behind it pass.
 */

/** The per-agent cap when none is configured: half the global limit (at least 1). */
export function defaultAgentCap(maxConcurrentRuns: number): number {
  return Math.max(1, Math.floor(maxConcurrentRuns / 2));
}

interface Waiter {
  agent: string;
  grant: () => void;
}

export class ConcurrencyLimiter {
  #active = 0;
  readonly #perAgent = new Map<string, number>();
  #waiters: Waiter[] = [];
  readonly maxPerAgent: number;

  constructor(
    private readonly max: number,
    maxPerAgent?: number,
  ) {
    this.maxPerAgent = Math.max(1, Math.min(max, maxPerAgent ?? defaultAgentCap(max)));
  }

  get active(): number {
    return this.#active;
  }

  /** Slots the agent holds. */
  activeFor(agent: string): number {
    return this.#perAgent.get(agent) ?? 0;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a slot for a run of `agent`, waiting while the process or the agent is at its limit.
   * Resolves true with the slot, or false (no slot) when `signal` aborts first.
   */
  async acquire(agent = '', signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    if (this.#fits(agent)) {
      this.#take(agent);
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        agent,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  release(agent = ''): void {
    this.#active -= 1;
    const held = (this.#perAgent.get(agent) ?? 1) - 1;
    if (held > 0) this.#perAgent.set(agent, held);
    else this.#perAgent.delete(agent);
    this.#grant();
  }

  #fits(agent: string): boolean {
    return this.#active < this.max && this.activeFor(agent) < this.maxPerAgent;
  }

  #take(agent: string): void {
    this.#active += 1;
    this.#perAgent.set(agent, this.activeFor(agent) + 1);
  }

  /** Grants freed slots to the first waiters that fit, in arrival order. */
  #grant(): void {
    while (this.#active < this.max) {
      const index = this.#waiters.findIndex((w) => this.#fits(w.agent));
      if (index < 0) return;
      const [waiter] = this.#waiters.splice(index, 1);
      this.#take(waiter!.agent);
      waiter!.grant();
    }
  }
}
