/**
 * The llm agent's two clocks, as abort signals:
 * - the run deadline (timeoutMs): the whole run, model calls, retry waits and tool calls;
 * - the idle watch (idleTimeoutMs): one model call, reset by every byte received.
 * Each aborts with an LlmRunError naming the timeout and its setting, so whatever was
 * waiting (the HTTP request, a backoff, the tools) stops at once and the run fails with it.
 */
import { LlmRunError } from './llm-errors.ts';

export interface RunDeadline {
  /** Aborted by the parent (cancel, shutdown) or when the time is up. */
  readonly signal: AbortSignal;
  /** Milliseconds left (0 when up). */
  timeLeft(): number;
  dispose(): void;
}

export function startRunDeadline(parent: AbortSignal, timeoutMs: number, now: () => number = () => performance.now()): RunDeadline {
  const controller = new AbortController();
  const endsAt = now() + timeoutMs;
  const timer = setTimeout(() => {
    controller.abort(new LlmRunError('LLM_TIMEOUT', `the llm run took longer than its total timeout of ${timeoutMs} ms (timeoutMs, LLM_TIMEOUT_MS)`));
  }, timeoutMs);
  return {
    signal: AbortSignal.any([parent, controller.signal]),
    timeLeft: () => Math.max(0, endsAt - now()),
    dispose: () => clearTimeout(timer),
  };
}

export interface IdleWatch {
  /** Aborted by the parent or after idleTimeoutMs without a touch. */
  readonly signal: AbortSignal;
  touch(): void;
  dispose(): void;
}

export function startIdleWatch(parent: AbortSignal, idleTimeoutMs: number): IdleWatch {
  const controller = new AbortController();
  const fire = (): void => {
    controller.abort(
      new LlmRunError('LLM_IDLE_TIMEOUT', `LLM endpoint sent nothing for ${idleTimeoutMs} ms (idle timeout: idleTimeoutMs, LLM_IDLE_TIMEOUT_MS)`),
    );
  };
  let timer: ReturnType<typeof setTimeout> | undefined = setTimeout(fire, idleTimeoutMs);
  return {
    signal: AbortSignal.any([parent, controller.signal]),
    // Re-arming the same timer is cheap (no new timer per chunk); a fired one stays fired.
    touch: () => {
      if (!controller.signal.aborted) timer?.refresh();
    },
    dispose: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
