/** Per-user execution state: who, on which process, and the cancellation of its runs. */
export class UserExecutionContext {
  readonly #controllers = new Map<string, AbortController>();
  lastActivity = Date.now();
  constructor(
    readonly userId: string,
    readonly instanceId: string,
  ) {}

  begin(runId: string): AbortSignal {
    const controller = new AbortController();
    this.#controllers.set(runId, controller);
    this.lastActivity = Date.now();
    return controller.signal;
  }

  end(runId: string): void {
    this.#controllers.delete(runId);
    this.lastActivity = Date.now();
  }

  has(runId: string): boolean {
    return this.#controllers.has(runId);
  }

  /** Aborts the run if it executes here; false otherwise. */
  cancel(runId: string, reason = 'cancelled'): boolean {
    const controller = this.#controllers.get(runId);
    if (!controller) return false;
    controller.abort(reason);
    return true;
  }

  cancelAll(reason: string): void {
    for (const controller of this.#controllers.values()) controller.abort(reason);
  }

  get running(): number {
    return this.#controllers.size;
  }
}
