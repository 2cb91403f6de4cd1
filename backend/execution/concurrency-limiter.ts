/** A counting semaphore: the global limit on runs executing at once in this process. */
export class ConcurrencyLimiter {
  #active = 0;
  readonly #waiters: Array<() => void> = [];
  constructor(private readonly max: number) {}

  get active(): number {
    return this.#active;
  }

  async acquire(): Promise<void> {
    if (this.#active < this.max) {
      this.#active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#active -= 1;
  }
}
