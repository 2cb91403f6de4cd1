/**
 * A run's budget (issue 17): how many events and payload bytes one run may store, and how
 * long one thought may be. The one place every agent kind (modules, HTTP, llm, built-ins)
 * goes through is the AgentContext (agent-context.ts), which charges each event here as the
 * agent emits it (synchronously, so an un-awaited `for (;;) ctx.think()` loop also ends).
 *
 * - Events: a run stores at most `maxEvents` events, `agent_started` and `agent_completed`
 *   included; a `tool_executing` also reserves the room of its `tool_completed`, so pairs
 *   stay whole whatever happens.
 * - Bytes: the JSON of the agent's event payloads, summed, at most `maxBytes`. A
 *   `tool_completed` that would pass it is still emitted (pairs stay whole) with its result
 *   replaced by an error, and the budget is then exceeded.
 * - Thoughts: an `agent_thinking` text longer than `maxThoughtChars` is cut there, with a
 *   marker saying how much was left out (a long thought is not an error: a model's reasoning
 *   can legitimately be long; storing megabytes of it per event is what is refused).
 *
 * Past the events or bytes budget the run fails with a `RunBudgetError` (its message names
 * the setting) and every later emit of the agent throws it.
 */

export interface RunBudget {
  /** Events one run may store, agent_started and agent_completed included (RUN_MAX_EVENTS). */
  maxEvents: number;
  /** Bytes of the JSON of the agent's event payloads, summed over the run (RUN_MAX_BYTES). */
  maxBytes: number;
  /** Characters of one agent_thinking text; longer ones are truncated with a marker (THOUGHT_MAX_CHARS). */
  maxThoughtChars: number;
}

export const DEFAULT_RUN_BUDGET: Readonly<RunBudget> = Object.freeze({
  maxEvents: 10_000,
  maxBytes: 32 * 1024 * 1024,
  maxThoughtChars: 16_384,
});

/** The events of a run that are the engine's (agent_started, agent_completed). */
export const ENGINE_EVENTS_PER_RUN = 2;

/** The stable start of the error of a run that passed its budget. */
export const RUN_BUDGET_ERROR_PREFIX = 'run budget exceeded';

export class RunBudgetError extends Error {
  /** Which limit: `events` or `bytes`. */
  readonly limit: 'events' | 'bytes';
  constructor(limit: 'events' | 'bytes', message: string) {
    super(`${RUN_BUDGET_ERROR_PREFIX}: ${message}`);
    this.name = 'RunBudgetError';
    this.limit = limit;
  }
}

/** Checks a budget given in code (startBackend options); throws one line naming the bad value. */
export function checkRunBudget(budget: Partial<RunBudget> | undefined): RunBudget {
  const given = Object.fromEntries(Object.entries(budget ?? {}).filter(([, value]) => value !== undefined));
  const out: RunBudget = { ...DEFAULT_RUN_BUDGET, ...given };
  const check = (key: keyof RunBudget, min: number) => {
    const value = out[key];
    if (!Number.isSafeInteger(value) || value < min) throw new Error(`run budget: ${key} must be an integer of at least ${min} (got ${String(value)})`);
  };
  check('maxEvents', ENGINE_EVENTS_PER_RUN + 1);
  check('maxBytes', 1);
  check('maxThoughtChars', 1);
  return out;
}

/** The thought as stored: at most `max` characters, a cut one ending with a marker. */
export function truncateThought(thought: string, max: number): string {
  if (typeof thought !== 'string' || thought.length <= max) return thought;
  const marker = ` … [thought truncated: ${thought.length - max} more characters; THOUGHT_MAX_CHARS=${max}]`;
  let cut = max;
  // Never split a surrogate pair.
  const last = thought.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return thought.slice(0, cut) + marker;
}

/** Bytes of the JSON of a payload (0 when it cannot be serialized: the store reports that). */
export function payloadBytes(payload: unknown): number {
  try {
    const text = JSON.stringify(payload);
    return text === undefined ? 0 : Buffer.byteLength(text, 'utf8');
  } catch {
    return 0;
  }
}

/** What a run has used of its budget. Charged by the agent context, one event at a time. */
export class BudgetMeter {
  #events = 0;
  #bytes = 0;
  #exceeded: RunBudgetError | undefined;
  readonly #agentEvents: number;

  constructor(
    readonly budget: RunBudget,
    /** Told once, when the budget is first exceeded. */
    private readonly onExceeded?: (error: RunBudgetError) => void,
  ) {
    this.#agentEvents = budget.maxEvents - ENGINE_EVENTS_PER_RUN;
  }

  /** The error, once the budget was exceeded. */
  get exceeded(): RunBudgetError | undefined {
    return this.#exceeded;
  }

  get events(): number {
    return this.#events;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Charges an event of the agent before it is queued; throws the budget error (and remembers
   * it) when the event does not fit. `reserve` is the room of events still to come that must
   * not be refused (a tool_executing reserves its tool_completed).
   */
  charge(type: string, bytes: number, reserve = 0): void {
    if (this.#exceeded) throw this.#exceeded;
    if (this.#events + 1 + reserve > this.#agentEvents) {
      throw this.#exceed(
        new RunBudgetError(
          'events',
          `the run reached its limit of ${this.budget.maxEvents} events (RUN_MAX_EVENTS) at a ${type}; the agent's further events were refused`,
        ),
      );
    }
    if (this.#bytes + bytes > this.budget.maxBytes) {
      throw this.#exceed(
        new RunBudgetError(
          'bytes',
          `the run's event payloads would pass ${this.budget.maxBytes} bytes (RUN_MAX_BYTES) at a ${type}; the agent's further events were refused`,
        ),
      );
    }
    this.#events += 1 + reserve;
    this.#bytes += bytes;
  }

  /**
   * Charges a completion whose room was reserved: never refused. Returns false when its
   * bytes do not fit (the caller then emits it without its result; the budget is exceeded).
   */
  chargeReserved(bytes: number): boolean {
    if (this.#bytes + bytes <= this.budget.maxBytes) {
      this.#bytes += bytes;
      return true;
    }
    this.#exceed(
      new RunBudgetError(
        'bytes',
        `the run's event payloads would pass ${this.budget.maxBytes} bytes (RUN_MAX_BYTES) at a tool_completed; its result was dropped`,
      ),
    );
    return false;
  }

  /** A tool_completed emitted with a small error instead of its result: its bytes. */
  chargeForced(bytes: number): void {
    this.#bytes += bytes;
  }

  #exceed(error: RunBudgetError): RunBudgetError {
    if (!this.#exceeded) {
      this.#exceeded = error;
      this.onExceeded?.(error);
    }
    return this.#exceeded;
  }
}
