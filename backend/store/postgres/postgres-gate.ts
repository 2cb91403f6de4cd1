/**
 * A FIFO semaphore sized like the pool. Calls wait here, without a deadline, for a free
 * connection slot, so pg's `connectionTimeoutMillis` only measures real connection attempts
 * (a server that does not answer), never the queue of a busy but healthy pool.
 */
export class PgGate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
