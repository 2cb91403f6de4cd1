/**
 * A Flowscope run as AG-UI events (docs/ag-ui.md, "Flowscope as an AG-UI endpoint"): the one
 * mapping behind `POST /agui/:agent`, the WebSocket's `ag-ui` stream and
 * `flowscope export --format ag-ui`. Each stored run event (by its seq) becomes a fixed list
 * of AG-UI events, so a stream resumed after seq N is the same stream from there:
 *
 * | Flowscope | AG-UI |
 * |---|---|
 * | agent_started | RUN_STARTED |
 * | agent_thinking (step n) | STEP_STARTED, REASONING_START, REASONING_MESSAGE_START / CONTENT / END, REASONING_END, STEP_FINISHED |
 * | tool_executing | TOOL_CALL_START, TOOL_CALL_ARGS (the args as JSON), TOOL_CALL_END |
 * | tool_completed | TOOL_CALL_RESULT (the result as JSON; a failed call `{"error": "..."}`) |
 * | agent_completed succeeded | TEXT_MESSAGE_START / CONTENT / END (the response), RUN_FINISHED (with usage) |
 * | agent_completed failed, cancelled, interrupted | RUN_ERROR (code FLOWSCOPE_FAILED, _CANCELLED, _INTERRUPTED) |
 *
 * Every event carries `timestamp` (ms, from the envelope). Ids are derived from the run id
 * and seq (`<run>:thought:<seq>`, `<run>:answer`), so they are stable across replays.
 */
import type { BaseEvent } from '@ag-ui/core';

/** A stored run event envelope (the fields read here). */
export interface RunEnvelope {
  type: string;
  seq?: number | undefined;
  timestamp?: string | undefined;
  payload: unknown;
}

export interface AguiRunIds {
  /** The AG-UI thread id (the client's own on /agui, the Flowscope thread id in an export). */
  threadId: string;
  runId: string;
}

/** `{"error": ...}` of a failed call; the result as JSON otherwise. */
function resultContent(payload: { ok?: unknown; result?: unknown; error?: unknown }): string {
  if (payload.ok === false) return JSON.stringify({ error: typeof payload.error === 'string' ? payload.error : 'the tool call failed' });
  return JSON.stringify(payload.result ?? null);
}

/** The AG-UI events of one Flowscope run event (none for a type it does not know). */
export function runEventToAgui(envelope: RunEnvelope, ids: AguiRunIds): BaseEvent[] {
  const { threadId, runId } = ids;
  const time = envelope.timestamp === undefined ? Number.NaN : Date.parse(envelope.timestamp);
  const stamp = Number.isFinite(time) ? { timestamp: time } : {};
  const event = (fields: Record<string, unknown>): BaseEvent => ({ ...fields, ...stamp }) as BaseEvent;
  const payload = (envelope.payload ?? {}) as Record<string, unknown>;
  const seq = envelope.seq ?? 0;
  switch (envelope.type) {
    case 'agent_started':
      return [event({ type: 'RUN_STARTED', threadId, runId })];
    case 'agent_thinking': {
      const messageId = `${runId}:thought:${seq}`;
      const stepName = `thinking ${typeof payload.step === 'number' ? payload.step : seq}`;
      const thought = typeof payload.thought === 'string' ? payload.thought : '';
      return [
        event({ type: 'STEP_STARTED', stepName }),
        event({ type: 'REASONING_START', messageId }),
        event({ type: 'REASONING_MESSAGE_START', messageId, role: 'reasoning' }),
        ...(thought === '' ? [] : [event({ type: 'REASONING_MESSAGE_CONTENT', messageId, delta: thought })]),
        event({ type: 'REASONING_MESSAGE_END', messageId }),
        event({ type: 'REASONING_END', messageId }),
        event({ type: 'STEP_FINISHED', stepName }),
      ];
    }
    case 'tool_executing': {
      const toolCallId = String(payload.call_id);
      return [
        event({ type: 'TOOL_CALL_START', toolCallId, toolCallName: String(payload.tool) }),
        event({ type: 'TOOL_CALL_ARGS', toolCallId, delta: JSON.stringify(payload.args ?? {}) }),
        event({ type: 'TOOL_CALL_END', toolCallId }),
      ];
    }
    case 'tool_completed': {
      const toolCallId = String(payload.call_id);
      return [event({ type: 'TOOL_CALL_RESULT', messageId: `${runId}:result:${toolCallId}`, toolCallId, content: resultContent(payload), role: 'tool' })];
    }
    case 'agent_completed': {
      const status = String(payload.status);
      if (status !== 'succeeded') {
        const error = typeof payload.error === 'string' && payload.error !== '' ? payload.error : `the run ended ${status}`;
        return [event({ type: 'RUN_ERROR', message: error, code: `FLOWSCOPE_${status.toUpperCase()}` })];
      }
      const messageId = `${runId}:answer`;
      const response = typeof payload.response === 'string' ? payload.response : '';
      const usage = payload.usage as { input_tokens?: number; output_tokens?: number } | undefined;
      return [
        event({ type: 'TEXT_MESSAGE_START', messageId, role: 'assistant' }),
        ...(response === '' ? [] : [event({ type: 'TEXT_MESSAGE_CONTENT', messageId, delta: response })]),
        event({ type: 'TEXT_MESSAGE_END', messageId }),
        event({
          type: 'RUN_FINISHED',
          threadId,
          runId,
          result: { response },
          ...(usage && typeof usage.input_tokens === 'number' && typeof usage.output_tokens === 'number'
            ? { usage: [{ inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, totalTokens: usage.input_tokens + usage.output_tokens }] }
            : {}),
        }),
      ];
    }
    default:
      return [];
  }
}

/** Whether the envelope ends its run (its AG-UI events end the stream). */
export function endsRun(envelope: RunEnvelope): boolean {
  return envelope.type === 'agent_completed';
}
