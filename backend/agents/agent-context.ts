/**
 * The one AgentContext implementation: the engine calls `createAgentContext` with its
 * persisting `emit`; tests call it with an array-pushing one (recording-agent-context.ts).
 *
 * - `think` emits agent_thinking with steps numbered from 1.
 * - `callTool` / `simulateTool` emit tool_executing, then tool_completed with the outcome;
 *   call ids are `${runId}:call-1`, `${runId}:call-2`, ... in call order.
 * - Calls are serialized: if an agent fires several at once, their events still come out
 *   as whole (tool_executing, tool_completed) pairs, one call after the other.
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
 */
import type { RunEventDraft } from '../../protocol/index.ts';
import type { AgentContext, AgentInput, Tool, ToolOutcome } from './agent-types.ts';

export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;
const MAX_ERROR_LENGTH = 2000;
export const ABORTED_TOOL_ERROR = 'aborted';
const ABORTED = Symbol('aborted');

export interface AgentContextOptions {
  runId: string;
  userId: string;
  threadId: string;
  input: AgentInput;
  signal: AbortSignal;
  tools: ReadonlyMap<string, Tool>;
  /** Persists and delivers one event; the context awaits it before going on. */
  emit: (draft: RunEventDraft) => Promise<void>;
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

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
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

export function createAgentContext(options: AgentContextOptions): AgentContext {
  const { runId, userId, threadId, input, signal, tools, emit } = options;
  const toolTimeoutMs = options.toolTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
  const now = options.monotonicNow ?? (() => performance.now());
  let step = 0;
  let calls = 0;
  let queue: Promise<unknown> = Promise.resolve();

  const serialize = <T>(task: () => Promise<T>): Promise<T> => {
    const result = queue.then(task);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };

  const durationSince = (start: number): number => Math.max(0, Math.round(now() - start));

  /** Emits tool_completed for `outcome` and returns it. */
  const complete = async (tool: string, callId: string, outcome: ToolOutcome): Promise<ToolOutcome> => {
    await emit({
      type: 'tool_completed',
      payload: outcome.ok
        ? { tool, call_id: callId, ok: true, result: outcome.result, duration_ms: outcome.durationMs }
        : { tool, call_id: callId, ok: false, error: outcome.error ?? 'failed', duration_ms: outcome.durationMs },
    });
    return outcome;
  };

  /** Emits tool_executing and returns the call id. */
  const begin = async (tool: string, args: Record<string, unknown>): Promise<string> => {
    signal.throwIfAborted();
    calls += 1;
    const callId = `${runId}:call-${calls}`;
    await emit({ type: 'tool_executing', payload: { tool, call_id: callId, args } });
    return callId;
  };

  const runTool = async (tool: Tool, args: Record<string, unknown>): Promise<unknown> => {
    const controller = new AbortController();
    const toolSignal = AbortSignal.any([signal, controller.signal]);
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
    }
  };

  return {
    runId,
    userId,
    threadId,
    input,
    signal,

    think(thought) {
      return serialize(async () => {
        signal.throwIfAborted();
        step += 1;
        await emit({ type: 'agent_thinking', payload: { thought, step } });
      });
    },

    callTool(name, args) {
      return serialize(async () => {
        const callId = await begin(name, args);
        const start = now();
        const tool = tools.get(name);
        if (tool === undefined) {
          return complete(name, callId, { ok: false, error: `unknown tool '${name}'`, durationMs: durationSince(start) });
        }
        const watch = abortWatch(signal);
        let outcome: ToolOutcome;
        try {
          const settled = await Promise.race([
            runTool(tool, args).then(
              (result) => ({ ok: true as const, result }),
              (err: unknown) => ({ ok: false as const, err }),
            ),
            watch.aborted,
          ]);
          if (settled === ABORTED || signal.aborted) {
            await complete(name, callId, { ok: false, error: ABORTED_TOOL_ERROR, durationMs: durationSince(start) });
            throw signal.reason;
          }
          if (settled.ok) {
            try {
              outcome = { ok: true, result: jsonSafe(settled.result), durationMs: durationSince(start) };
            } catch (err) {
              outcome = { ok: false, error: messageOf(err), durationMs: durationSince(start) };
            }
          } else {
            outcome = { ok: false, error: messageOf(settled.err), durationMs: durationSince(start) };
          }
        } finally {
          watch.dispose();
        }
        return complete(name, callId, outcome);
      });
    },

    simulateTool(name, args, simulated) {
      return serialize(async () => {
        const callId = await begin(name, args);
        const start = now();
        if ((await delay(simulated.delayMs ?? 0, signal)) === ABORTED) {
          await complete(name, callId, { ok: false, error: ABORTED_TOOL_ERROR, durationMs: durationSince(start) });
          throw signal.reason;
        }
        const durationMs = durationSince(start);
        const outcome: ToolOutcome = simulated.fail
          ? { ok: false, error: simulated.error ?? `tool '${name}' failed`, durationMs }
          : { ok: true, result: jsonSafe(simulated.result), durationMs };
        return complete(name, callId, outcome);
      });
    },
  };
}
