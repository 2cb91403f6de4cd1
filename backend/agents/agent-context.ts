/**
 * The one AgentContext implementation: the engine calls `createAgentContext` with its
 * persisting `emit`; tests call it with an array-pushing one (recording-agent-context.ts).
 *
 * - `think` emits agent_thinking with steps numbered from 1.
 * - `callTool` / `simulateTool` emit tool_executing, then tool_completed with the outcome;
 *   call ids are `${runId}:call-1`, `${runId}:call-2`, ... in call order, or the id the
 *   agent gives (a model's), which must be new in the run.
 * - Arguments are checked against the tool's JSON Schema before it runs; a violation is a
 *   failed call whose error names each path (`args.expression: must be string`).
 * - Parallel calls: calls may overlap. Each call's tool_executing is emitted when it starts
 *   and its tool_completed when it ends, so several pairs can be open at once and
 *   completions come in finishing order; every call id gets exactly one of each, executing
 *   first. Events are handed to `emit` one at a time, in the order they happened (seq order).
 * - `report` relays events an agent produced itself (an agent over HTTP) under the same
 *   pairing rules; a violation throws AgentProtocolError and the run fails.
 * - A tool that throws gives `ok: false` with its message; a tool result is passed
 *   through JSON (what clients will see): undefined becomes null, and a result that
 *   cannot be serialized fails the call.
 * - Abort: every method throws `signal.reason` when the run is already aborted, before
 *   emitting anything. If the run is aborted while a tool runs (or a simulated delay
 *   waits), the call is completed with `ok: false, error: 'aborted'` (so pairs stay
 *   whole) and then the method throws `signal.reason`; the engine reports the run
 *   cancelled or interrupted.
 * - A real tool that runs longer than `toolTimeoutMs` fails with a timeout error; its own
 *   signal is aborted so it can stop.
 * - Budget (run-budget.ts): each event is charged as the agent emits it; a thought longer
 *   than the budget's `maxThoughtChars` is truncated with a marker. Past the events or bytes
 *   budget the method throws RunBudgetError, synchronously once the budget is exceeded (so
 *   an un-awaited `for (;;) ctx.think()` loop ends by exception), and the engine fails the run.
 * - Backpressure: the promise of an emitting method resolves when `emit` resolves, and the
 *   engine's `emit` waits while the run has too many events not yet committed; an agent
 *   that awaits them therefore waits for the store instead of growing memory.
 * - A promise these methods return never counts as an unhandled rejection (an agent that
 *   does not await a `think()` cannot take the process down); awaiting it gives the error.
 */
import type { RunEventDraft } from '../../protocol/index.ts';
import {
  AgentProtocolError,
  type AgentContext,
  type AgentInput,
  type HistoryMessage,
  type ReportedEvent,
  type Tool,
  type ToolCallOptions,
  type ToolInfo,
  type ToolOutcome,
} from './agent-types.ts';
import { BudgetMeter, DEFAULT_RUN_BUDGET, payloadBytes, truncateThought, type RunBudget, type RunBudgetError } from './run-budget.ts';
import { argumentProblems } from './tools/tool-schema.ts';
import { safeErrorMessage } from './safe-error.ts';

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
const MAX_ERROR_LENGTH = 2000;
export const ABORTED_TOOL_ERROR = 'aborted';
const ABORTED = Symbol('aborted');

export interface AgentContextOptions {
  runId: string;
  userId: string;
  threadId: string;
  /** The run's agent name (default 'agent'). */
  agent?: string;
  input: AgentInput;
  /** The thread's earlier turns, oldest first (default none). */
  history?: readonly HistoryMessage[];
  signal: AbortSignal;
  tools: ReadonlyMap<string, Tool>;
  /**
   * Persists and delivers one event (`bytes`: the JSON size of its payload). Called one event
   * at a time, in order; once it fails, every later event fails with the same error (the run
   * cannot go on without a gap in seq). May wait (backpressure): the agent waits with it.
   */
  emit: (draft: RunEventDraft, bytes: number) => Promise<void>;
  /** The run's budget (default DEFAULT_RUN_BUDGET). */
  budget?: RunBudget;
  /** Told once, when the run's budget is first exceeded. */
  onBudgetExceeded?: (error: RunBudgetError) => void;
  /** Per-call limit for real tools (default 30 s). */
  toolTimeoutMs?: number;
  /** Monotonic milliseconds, for `duration_ms` (default performance.now). */
  monotonicNow?: () => number;
}

class ToolTimeoutError extends Error {
  constructor(tool: string, ms: number) {
    super(`tool '${tool}' timed out after ${ms} ms`);
    this.name = 'ToolTimeoutError';
  }
}

/** The same promise, marked handled: a caller that does not await it causes no unhandled rejection. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function messageOf(err: unknown): string {
  return safeErrorMessage(err, MAX_ERROR_LENGTH);
}

/** The value as it will travel: JSON-safe, undefined as null. Throws if it cannot be. */
function jsonSafe(value: unknown): unknown {
  const text = JSON.stringify(value ?? null) as string | undefined;
  if (text === undefined) throw new Error('tool result is not JSON-serializable');
  return JSON.parse(text) as unknown;
}

/** Resolves once `signal` aborts (never rejects); `dispose` removes the listener. */
function abortWatch(signal: AbortSignal): { aborted: Promise<typeof ABORTED>; dispose: () => void } {
  let dispose = (): void => undefined;
  const aborted = new Promise<typeof ABORTED>((resolve) => {
    if (signal.aborted) return resolve(ABORTED);
    const onAbort = (): void => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  return { aborted, dispose };
}

/** Waits `ms`; resolves early with ABORTED when the signal aborts. */
function delay(ms: number, signal: AbortSignal): Promise<typeof ABORTED | undefined> {
  if (ms <= 0) return Promise.resolve(signal.aborted ? ABORTED : undefined);
  const watch = abortWatch(signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([elapsed, watch.aborted]).finally(() => {
    clearTimeout(timer);
    watch.dispose();
  });
}

const toolInfoCache = new WeakMap<ReadonlyMap<string, Tool>, readonly ToolInfo[]>();

/** What agents are told about a tool set; built once per set (tool sets are replaced, never changed). */
function toolInfosOf(tools: ReadonlyMap<string, Tool>): readonly ToolInfo[] {
  let infos = toolInfoCache.get(tools);
  if (!infos) {
    infos = Object.freeze([...tools.values()].map((tool) => Object.freeze({ name: tool.name, description: tool.description, parameters: tool.parameters })));
    toolInfoCache.set(tools, infos);
  }
  return infos;
}

/** The context as the engine holds it: the agent's view plus the end-of-run settlement. */
export interface EngineAgentContext extends AgentContext {
  /**
   * After the agent returned or threw: completes every call still open with `ok: false` and
   * `error` (so pairs stay whole, for an agent that reported a tool_executing and stopped),
   * then waits until every event has been handed to emit. Rejects if an emit failed.
   */
  settle(error: string): Promise<void>;
  /** The budget error, once the run's budget was exceeded. */
  readonly budgetError: RunBudgetError | undefined;
}

export function createAgentContext(options: AgentContextOptions): EngineAgentContext {
  const { runId, userId, threadId, input, signal, tools } = options;
  const toolTimeoutMs = options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const now = options.monotonicNow ?? (() => performance.now());
  const toolInfos = toolInfosOf(tools);
  const budget = options.budget ?? DEFAULT_RUN_BUDGET;
  const meter = new BudgetMeter(budget, options.onBudgetExceeded);
  /** Throws the budget error, synchronously, once the budget is exceeded. */
  const checkBudget = (): void => {
    if (meter.exceeded) throw meter.exceeded;
  };
  let step = 0;
  let calls = 0;
  /** Call ids used in this run, and the tool of each call still open. */
  const usedCallIds = new Set<string>();
  const openCalls = new Map<string, string>();

  let tail: Promise<void> = Promise.resolve();
  let broken: { error: unknown } | null = null;
  let settled = false;
  /** Hands events to options.emit one at a time, in call order. */
  const emit = (draft: RunEventDraft, bytes: number): Promise<void> => {
    if (settled) return Promise.reject(new AgentProtocolError(`${draft.type} after the run ended`));
    const result = tail.then(() => {
      if (broken) throw broken.error;
      return options.emit(draft, bytes).catch((error: unknown) => {
        broken = { error };
        throw error;
      });
    });
    tail = result.catch(() => undefined);
    return result;
  };

  const durationSince = (start: number): number => Math.max(0, Math.round(now() - start));

  /** Emits tool_completed for `outcome` and returns it. */
  const complete = async (tool: string, outcome: ToolOutcome): Promise<ToolOutcome> => {
    // Completed already (settled when the run ended): the pair is whole, emit nothing more.
    if (!openCalls.delete(outcome.callId)) return outcome;
    let payload: Extract<RunEventDraft, { type: 'tool_completed' }>['payload'] = outcome.ok
      ? { tool, call_id: outcome.callId, ok: true, result: outcome.result, duration_ms: outcome.durationMs }
      : { tool, call_id: outcome.callId, ok: false, error: outcome.error ?? 'failed', duration_ms: outcome.durationMs };
    let bytes = payloadBytes(payload);
    // Its room was reserved by its tool_executing: the pair stays whole, past the byte budget
    // without its result.
    if (!meter.chargeReserved(bytes)) {
      outcome = { callId: outcome.callId, ok: false, error: meter.exceeded?.message ?? 'run budget exceeded', durationMs: outcome.durationMs };
      payload = { tool, call_id: outcome.callId, ok: false, error: outcome.error!, duration_ms: outcome.durationMs };
      bytes = payloadBytes(payload);
      meter.chargeForced(bytes);
    }
    await emit({ type: 'tool_completed', payload }, bytes);
    return outcome;
  };

  const claimCallId = (given: string | undefined): string => {
    if (given !== undefined) {
      if (typeof given !== 'string' || given === '' || given.length > 256) {
        throw new AgentProtocolError('a call id must be a string of 1-256 characters');
      }
      if (usedCallIds.has(given)) throw new AgentProtocolError(`call id '${given}' was already used in this run`);
      usedCallIds.add(given);
      return given;
    }
    for (;;) {
      calls += 1;
      const id = `${runId}:call-${calls}`;
      if (!usedCallIds.has(id)) {
        usedCallIds.add(id);
        return id;
      }
    }
  };

  /** Emits tool_executing and returns the call id. */
  const begin = async (tool: string, args: Record<string, unknown>, given?: string): Promise<string> => {
    signal.throwIfAborted();
    checkBudget();
    const callId = claimCallId(given);
    const payload = { tool, call_id: callId, args };
    const bytes = payloadBytes(payload);
    meter.charge('tool_executing', bytes, 1); // and the room of its tool_completed
    openCalls.set(callId, tool);
    await emit({ type: 'tool_executing', payload }, bytes);
    return callId;
  };

  /**
   * The signals of the tool calls in progress: aborted with the run's (its reason) by one
   * listener on the run's signal, added at the first call. Not AbortSignal.any: a composite
   * signal per tool call was a measurable share of a run's cost (its creation, its weak
   * registrations, the GC of both); and not a listener per call (parallel calls would pass
   * the EventTarget's listener warning).
   */
  const toolControllers = new Set<AbortController>();
  let followingRun = false;
  const abortTools = () => {
    for (const controller of toolControllers) controller.abort(signal.reason);
    toolControllers.clear();
  };

  const runTool = async (tool: Tool, args: Record<string, unknown>): Promise<unknown> => {
    // The tool's signal: aborted with the run's or at the timeout.
    const controller = new AbortController();
    const toolSignal = controller.signal;
    if (signal.aborted) controller.abort(signal.reason);
    else {
      toolControllers.add(controller);
      if (!followingRun) {
        followingRun = true;
        signal.addEventListener('abort', abortTools, { once: true });
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ToolTimeoutError(tool.name, toolTimeoutMs);
        controller.abort(error);
        reject(error);
      }, toolTimeoutMs);
    });
    try {
      return await Promise.race([tool.execute(args, toolSignal), timedOut]);
    } finally {
      clearTimeout(timer);
      toolControllers.delete(controller);
    }
  };

  const outcomeOf = async (tool: Tool, args: Record<string, unknown>, callId: string, start: number): Promise<ToolOutcome | typeof ABORTED> => {
    const problems = argumentProblems(tool, args);
    if (problems.length > 0) {
      return { callId, ok: false, error: `invalid arguments: ${problems.join('; ')}`, durationMs: durationSince(start) };
    }
    const watch = abortWatch(signal);
    try {
      const settled = await Promise.race([
        runTool(tool, args).then(
          (result) => ({ ok: true as const, result }),
          (err: unknown) => ({ ok: false as const, err }),
        ),
        watch.aborted,
      ]);
      if (settled === ABORTED || signal.aborted) return ABORTED;
      if (!settled.ok) return { callId, ok: false, error: messageOf(settled.err), durationMs: durationSince(start) };
      try {
        return { callId, ok: true, result: jsonSafe(settled.result), durationMs: durationSince(start) };
      } catch (err) {
        return { callId, ok: false, error: messageOf(err), durationMs: durationSince(start) };
      }
    } finally {
      watch.dispose();
    }
  };

  return {
    runId,
    userId,
    threadId,
    agent: options.agent ?? 'agent',
    input,
    history: Object.freeze([...(options.history ?? [])]),
    tools: toolInfos,
    signal,

    // Not async: past the budget it throws at once, which ends a loop that does not await it.
    think(thought) {
      checkBudget();
      if (signal.aborted) return handled(Promise.reject(signal.reason as Error));
      return handled(thinking(thought, step + 1));
    },

    callTool(name, args, callOptions: ToolCallOptions = {}) {
      checkBudget();
      return handled(callTool(name, args, callOptions));
    },

    simulateTool(name, args, simulated) {
      checkBudget();
      return handled(simulateTool(name, args, simulated));
    },

    get budgetError() {
      return meter.exceeded;
    },

    async settle(error: string) {
      for (const [callId, tool] of [...openCalls]) {
        await complete(tool, { callId, ok: false, error, durationMs: 0 }).catch(() => undefined);
      }
      settled = true;
      await tail;
      if (broken) throw broken.error;
    },

    report(event: ReportedEvent) {
      checkBudget();
      return handled(report(event));
    },
  };

  /** Charges and queues an agent_thinking (throws synchronously past the budget). */
  function thinking(thought: string, nextStep: number): Promise<void> {
    const payload = { thought: truncateThought(thought, budget.maxThoughtChars), step: nextStep };
    const bytes = payloadBytes(payload);
    meter.charge('agent_thinking', bytes);
    step = nextStep;
    return emit({ type: 'agent_thinking', payload }, bytes);
  }

  async function callTool(name: string, args: Record<string, unknown>, callOptions: ToolCallOptions): Promise<ToolOutcome> {
    const callId = await begin(name, args, callOptions.callId);
    const start = now();
    const tool = tools.get(name);
    if (tool === undefined) {
      return complete(name, { callId, ok: false, error: `unknown tool '${name}'`, durationMs: durationSince(start) });
    }
    const outcome = await outcomeOf(tool, args, callId, start);
    if (outcome === ABORTED) {
      await complete(name, { callId, ok: false, error: ABORTED_TOOL_ERROR, durationMs: durationSince(start) });
      throw signal.reason;
    }
    return complete(name, outcome);
  }

  async function simulateTool(
    name: string,
    args: Record<string, unknown>,
    simulated: { delayMs?: number; result?: unknown; fail?: boolean; error?: string },
  ): Promise<ToolOutcome> {
    const callId = await begin(name, args);
    const start = now();
    if ((await delay(simulated.delayMs ?? 0, signal)) === ABORTED) {
      await complete(name, { callId, ok: false, error: ABORTED_TOOL_ERROR, durationMs: durationSince(start) });
      throw signal.reason;
    }
    const durationMs = durationSince(start);
    const outcome: ToolOutcome = simulated.fail
      ? { callId, ok: false, error: simulated.error ?? `tool '${name}' failed`, durationMs }
      : { callId, ok: true, result: jsonSafe(simulated.result), durationMs };
    return complete(name, outcome);
  }

  async function report(event: ReportedEvent): Promise<void> {
    signal.throwIfAborted();
    if (event.type === 'agent_thinking') {
      return thinking(event.payload.thought, event.payload.step ?? step + 1);
    }
    if (event.type === 'tool_executing') {
      await begin(event.payload.tool, event.payload.args, event.payload.call_id);
      return;
    }
    const { call_id: callId, tool } = event.payload;
    const open = openCalls.get(callId);
    if (open === undefined) {
      throw new AgentProtocolError(`tool_completed for call id '${callId}' without an open tool_executing`);
    }
    if (open !== tool) {
      throw new AgentProtocolError(`tool_completed for call id '${callId}' names tool '${tool}', its tool_executing named '${open}'`);
    }
    const { ok, duration_ms: durationMs } = event.payload;
    await complete(
      tool,
      ok
        ? { callId, ok: true, result: jsonSafe(event.payload.result), durationMs }
        : { callId, ok: false, error: messageOf(event.payload.error ?? 'failed'), durationMs },
    );
  }
}
