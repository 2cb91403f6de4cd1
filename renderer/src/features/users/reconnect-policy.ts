/**
 * Automatic reconnect of a lost user connection: connection attempts back off exponentially
 * (capped), and meanwhile the target's `/health` is probed often (its own short backoff,
 * capped at HEALTH_PROBE_MAX_MS); when a probe answers after one that did not, the lost users
 * of that target connect at once instead of waiting out their backoff.
 */
export const RECONNECT_BASE_MS = 1000;
export const RECONNECT_MAX_MS = 30_000;
/** The first probe of a lost target's `/health`; each failed one doubles the wait, up to the cap. */
export const HEALTH_PROBE_BASE_MS = 100;
/** Well under a second: a target that answers again is reconnected within this (plus one probe). */
export const HEALTH_PROBE_MAX_MS = 250;
/** A probe that has not answered by then counts as down. */
export const HEALTH_PROBE_TIMEOUT_MS = 2000;

/** Wait before attempt `attempt` (0 = the first retry): 1 s, 2 s, 4 s ... at most 30 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt));
}

/** Wait before the next `/health` probe after `failures` failed ones in a row: 100, 200, 250, 250 ... ms. */
export function probeDelay(failures: number): number {
  return Math.min(HEALTH_PROBE_MAX_MS, HEALTH_PROBE_BASE_MS * 2 ** Math.max(0, failures - 1));
}

/** Refusals worth retrying: the server could not be reached; a refused token is not retried. */
export function isRetryableRefusal(code: string | undefined): boolean {
  return code === undefined || code === 'CONNECT_FAILED';
}

/** Does the target's `/health` answer 200 (within HEALTH_PROBE_TIMEOUT_MS)? */
export async function probeHealth(baseUrl: string, fetchImpl: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchImpl(`${baseUrl}/health`, { cache: 'no-store', signal: AbortSignal.timeout(HEALTH_PROBE_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Probes one target's `/health` while it runs: after a failed probe it calls `onBack` as soon
 * as one answers again (a target that was up all along never calls it: the connection's own
 * backoff applies then, so a connection refused by a healthy target is not retried in a loop).
 */
export class HealthWatch {
  #running = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  /** Counts stop/start: a probe in flight from an earlier run is ignored. */
  #generation = 0;

  constructor(
    private readonly probe: () => Promise<boolean>,
    private readonly onBack: () => void,
  ) {}

  /** Consecutive failed probes (0: the target answered last time, or no probe yet). */
  get failures(): number {
    return this.#failures;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#failures = 0;
    this.#generation++;
    void this.#tick(this.#generation);
  }

  stop(): void {
    this.#running = false;
    this.#generation++;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #tick(generation: number): Promise<void> {
    const ok = await this.probe();
    if (generation !== this.#generation) return;
    if (ok) {
      const wasDown = this.#failures > 0;
      this.#failures = 0;
      if (wasDown) this.onBack();
    } else {
      this.#failures++;
    }
    if (generation !== this.#generation) return;
    this.#timer = setTimeout(() => void this.#tick(generation), ok ? HEALTH_PROBE_MAX_MS : probeDelay(this.#failures));
  }
}

/** What a run listing gives (`GET /api/runs`): its id and status. */
export interface RunStatusLike {
  id: string;
  status: string;
}

/**
 * The runs of a user still in progress (queued or running) after a page reload, when the
 * console knows none of them: each is resumed from its start (`after_seq: 0`), oldest first,
 * so the timeline shows the whole run rather than only its events after the reload.
 */
export function runsInProgress(runs: readonly RunStatusLike[]): string[] {
  return runs
    .filter((r) => r.status === 'queued' || r.status === 'running')
    .map((r) => r.id)
    .reverse();
}
