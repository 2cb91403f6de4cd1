/**
 * One run as OpenTelemetry GenAI spans, from its stored record and events: the same model
 * feeds the OTLP/JSON file (otlp-file.ts) and the live export (live-traces.ts).
 *
 * - `invoke_agent {agent}` (INTERNAL): the run, agent_started → agent_completed.
 * - `execute_tool {tool}` (INTERNAL), child of the run: tool_executing → the tool_completed
 *   of the same call_id (parallel calls overlap; a call that never completed ends with the run,
 *   status ERROR, error.type `unfinished`).
 * - `chat {model}` (CLIENT), child of the run: for the `llm` agent, each model turn, from its
 *   `Asking <model> (turn n of at most m)` thought to the turn's first tool call, the next turn
 *   or the run's end.
 * - every agent_thinking: a span event on the chat span it falls in, else on the run.
 */
import type { RunEventEnvelope } from '../../protocol/index.ts';
import type { RunRecord } from '../store/store-types.ts';
import {
  FLOWSCOPE_PROVIDER,
  FlowscopeAttr,
  FlowscopeEvent,
  GenAiAttr,
  GenAiOperation,
  LLM_PROVIDER,
  providerAttribute,
  type GenAiTraceOptions,
} from './genai-attributes.ts';

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface SpanModel {
  /** Unique within the run: `run`, `tool:<call_id>`, `chat:<n>`. */
  key: string;
  parentKey?: string;
  name: string;
  kind: 'internal' | 'client';
  /** Epoch milliseconds. */
  startMs: number;
  endMs: number;
  attributes: Attributes;
  events: Array<{ name: string; timeMs: number; attributes: Attributes }>;
  status: { code: 'unset' | 'ok' | 'error'; message?: string };
}

/** What the mapping needs of a run: its stored record (or the parts known live). */
export type RunInfo = Pick<RunRecord, 'id' | 'threadId' | 'agent' | 'status' | 'createdAt'> &
  Partial<Pick<RunRecord, 'priority' | 'startedAt' | 'endedAt' | 'error'>>;

const ASKING = /^Asking (.+) \(turn (\d+) of at most \d+\)/;
const ERROR_CODE = /^([A-Z][A-Z0-9_]{2,})\b/;

function ms(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : undefined;
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/** `error.type` for a failed run: the code its error starts with (`LLM_EMPTY_ANSWER: ...`), else the status. */
export function errorTypeOf(status: string, error: string | null | undefined): string {
  const code = error ? ERROR_CODE.exec(error)?.[1] : undefined;
  return code ?? (status === 'failed' ? '_OTHER' : status);
}

export function runSpans(info: RunInfo, events: readonly RunEventEnvelope[], options: GenAiTraceOptions, extra: Attributes = {}): SpanModel[] {
  const sorted = [...events].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  const started = sorted.find((e) => e.type === 'agent_started');
  const completed = sorted.find((e) => e.type === 'agent_completed');
  const firstMs = ms(sorted[0]?.timestamp);
  const lastMs = ms(sorted.at(-1)?.timestamp);
  const startMs = ms(started?.timestamp) ?? ms(info.startedAt) ?? firstMs ?? ms(info.createdAt) ?? 0;
  const endMs = Math.max(startMs, ms(completed?.timestamp) ?? ms(info.endedAt) ?? lastMs ?? startMs);
  const agent = started?.type === 'agent_started' ? started.payload.agent : info.agent;
  const provider = providerAttribute(options);
  const final = completed?.type === 'agent_completed' ? completed.payload : undefined;
  const status = final?.status ?? info.status;

  const root: SpanModel = {
    key: 'run',
    name: `${GenAiOperation.INVOKE_AGENT} ${agent}`,
    kind: 'internal',
    startMs,
    endMs,
    attributes: {
      [GenAiAttr.OPERATION_NAME]: GenAiOperation.INVOKE_AGENT,
      [provider]: FLOWSCOPE_PROVIDER,
      [GenAiAttr.AGENT_NAME]: agent,
      [GenAiAttr.CONVERSATION_ID]: info.threadId,
      [FlowscopeAttr.RUN_ID]: info.id,
      [FlowscopeAttr.RUN_STATUS]: status,
      [FlowscopeAttr.DELIVERY_EVENTS]: sorted.length,
    },
    events: [],
    status: { code: 'unset' },
  };
  if (info.priority !== undefined) root.attributes[FlowscopeAttr.RUN_PRIORITY] = info.priority;
  const created = ms(info.createdAt);
  const agentStart = ms(started?.timestamp) ?? ms(info.startedAt);
  if (created !== undefined && agentStart !== undefined) root.attributes[FlowscopeAttr.QUEUE_WAIT_MS] = Math.max(0, agentStart - created);
  if (final?.usage) {
    root.attributes[GenAiAttr.USAGE_INPUT_TOKENS] = final.usage.input_tokens;
    root.attributes[GenAiAttr.USAGE_OUTPUT_TOKENS] = final.usage.output_tokens;
  }
  const error = final?.error ?? info.error ?? null;
  if (status === 'failed' || status === 'interrupted') {
    root.status = { code: 'error', ...(error ? { message: error } : {}) };
    root.attributes[GenAiAttr.ERROR_TYPE] = errorTypeOf(status, error);
  } else if (status === 'succeeded') {
    root.status = { code: 'ok' };
  }
  if (options.captureContent) {
    if (started?.type === 'agent_started')
      root.attributes[GenAiAttr.INPUT_MESSAGES] = json([{ role: 'user', parts: [{ type: 'text', content: started.payload.input }] }]);
    if (final?.response != null)
      root.attributes[GenAiAttr.OUTPUT_MESSAGES] = json([{ role: 'assistant', parts: [{ type: 'text', content: final.response }], finish_reason: 'stop' }]);
  }
  Object.assign(root.attributes, extra);

  const spans: SpanModel[] = [root];
  const tools = new Map<string, SpanModel>();
  let chat: SpanModel | undefined;
  let chats = 0;
  const endChat = (at: number) => {
    if (chat) chat.endMs = Math.max(chat.startMs, at);
    chat = undefined;
  };

  for (const e of sorted) {
    const at = ms(e.timestamp) ?? startMs;
    switch (e.type) {
      case 'agent_thinking': {
        const asking = agent === 'llm' ? ASKING.exec(e.payload.thought) : null;
        if (asking) {
          endChat(at);
          const model = asking[1] ?? 'unknown';
          chat = {
            key: `chat:${++chats}`,
            parentKey: 'run',
            name: `${GenAiOperation.CHAT} ${model}`,
            kind: 'client',
            startMs: at,
            endMs: endMs,
            attributes: {
              [GenAiAttr.OPERATION_NAME]: GenAiOperation.CHAT,
              [provider]: LLM_PROVIDER,
              [GenAiAttr.REQUEST_MODEL]: model,
              [FlowscopeAttr.CHAT_TURN]: Number(asking[2]),
            },
            events: [],
            status: { code: 'unset' },
          };
          spans.push(chat);
        }
        const attributes: Attributes = { [FlowscopeAttr.THINKING_STEP]: e.payload.step };
        if (options.captureContent) attributes[FlowscopeAttr.THINKING_TEXT] = e.payload.thought;
        (chat ?? root).events.push({ name: FlowscopeEvent.THINKING, timeMs: at, attributes });
        break;
      }
      case 'tool_executing': {
        endChat(at);
        const span: SpanModel = {
          key: `tool:${e.payload.call_id}`,
          parentKey: 'run',
          name: `${GenAiOperation.EXECUTE_TOOL} ${e.payload.tool}`,
          kind: 'internal',
          startMs: at,
          endMs: endMs,
          attributes: {
            [GenAiAttr.OPERATION_NAME]: GenAiOperation.EXECUTE_TOOL,
            [GenAiAttr.TOOL_NAME]: e.payload.tool,
            [GenAiAttr.TOOL_CALL_ID]: e.payload.call_id,
            [GenAiAttr.TOOL_TYPE]: 'function',
          },
          events: [],
          status: { code: 'error', message: 'the tool call did not complete before the run ended' },
        };
        span.attributes[GenAiAttr.ERROR_TYPE] = 'unfinished';
        if (options.captureContent) span.attributes[GenAiAttr.TOOL_CALL_ARGUMENTS] = json(e.payload.args);
        tools.set(e.payload.call_id, span);
        spans.push(span);
        break;
      }
      case 'tool_completed': {
        const span = tools.get(e.payload.call_id);
        if (!span) break;
        tools.delete(e.payload.call_id);
        span.endMs = Math.max(span.startMs, at);
        span.attributes[FlowscopeAttr.TOOL_REPORTED_MS] = e.payload.duration_ms;
        delete span.attributes[GenAiAttr.ERROR_TYPE];
        if (e.payload.ok) {
          span.status = { code: 'ok' };
        } else {
          span.status = { code: 'error', ...(e.payload.error ? { message: e.payload.error } : {}) };
          span.attributes[GenAiAttr.ERROR_TYPE] = 'tool_error';
        }
        if (options.captureContent && e.payload.result !== undefined) span.attributes[GenAiAttr.TOOL_CALL_RESULT] = json(e.payload.result);
        break;
      }
      case 'agent_completed':
        if (chat && root.status.code === 'error') {
          chat.status = { ...root.status };
          chat.attributes[GenAiAttr.ERROR_TYPE] = root.attributes[GenAiAttr.ERROR_TYPE] ?? '_OTHER';
        }
        endChat(at);
        break;
      default:
        break;
    }
  }
  endChat(endMs);
  return spans;
}
