/**
 * One tool call from the Tools view and what became of it (pure; tested in Node). The call is
 * a `user_message` to the backend's `tool-call` agent (docs/agents.md), so its outcome comes
 * as any run's: `message_ack` (or a refusal: `error` with its code), `tool_completed` (the
 * tool's result or error and its duration), `agent_completed` (the run's status, its error
 * `CODE: message`, and its duration).
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

export const TOOL_CALL_AGENT = 'tool-call';

export interface Violation {
  /** `args.city`, `args.items[0].qty`. */
  path: string;
  message: string;
}

export interface CallError {
  /** TOOL_ARGUMENTS_INVALID, TOOL_FAILED, TOOL_UNKNOWN, TOOL_CALL_INVALID; or a refusal's code. */
  code: string;
  message: string;
  /** For TOOL_ARGUMENTS_INVALID: each path and what is wrong there. */
  violations: Violation[];
}

export type CallPhase = 'sent' | 'queued' | 'running' | 'done' | 'refused';

export interface ToolCall {
  key: number;
  tool: string;
  userId: string;
  messageId: string;
  args: Record<string, unknown>;
  sentAt: number;
  phase: CallPhase;
  runId?: string | undefined;
  /** The run's final status. */
  status?: string | undefined;
  result?: unknown;
  /** What the tool call reported (tool_completed.duration_ms). */
  toolMs?: number | undefined;
  /** The run's duration on the server (agent_completed.duration_ms). */
  runMs?: number | undefined;
  error?: CallError | undefined;
}

/** The message that asks the tool-call agent for one call. */
export function toolCallMessage(messageId: string, tool: string, args: Record<string, unknown>): string {
  return JSON.stringify({
    type: 'user_message',
    message_id: messageId,
    payload: { agent: TOOL_CALL_AGENT, content: JSON.stringify({ tool, arguments: args }) },
  });
}

/**
 * A run's error `CODE: message` read back; a TOOL_ARGUMENTS_INVALID's message split into its
 * paths. An error without a code is named by the run's status (RUN_FAILED, CANCELLED, INTERRUPTED).
 */
export function parseRunError(error: string, status = 'failed'): CallError {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(error);
  const code = m?.[1] ?? (status === 'failed' ? 'RUN_FAILED' : status.toUpperCase());
  const message = m?.[2] ?? error;
  const violations: Violation[] = [];
  if (code === 'TOOL_ARGUMENTS_INVALID') {
    for (const part of message.split('; ')) {
      const at = part.indexOf(': ');
      if (at > 0 && part.startsWith('args')) violations.push({ path: part.slice(0, at), message: part.slice(at + 2) });
    }
  }
  return { code, message, violations };
}

function payloadOf(envelope: ReceivedEnvelope): Record<string, unknown> {
  const p = envelope.payload;
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}

/** The call an envelope received by `userId` is about, updated; null when it is about none of them. */
export function applyEnvelope(calls: readonly ToolCall[], userId: string, envelope: ReceivedEnvelope): ToolCall[] | null {
  const p = payloadOf(envelope);
  const index = calls.findIndex((c) => {
    if (c.userId !== userId) return false;
    if (envelope.type === 'message_ack') return p.message_id === c.messageId;
    if (envelope.type === 'error') return envelope.message_id === c.messageId || p.message_id === c.messageId;
    return c.runId !== undefined && envelope.run_id === c.runId;
  });
  if (index < 0) return null;
  const call = calls[index]!;
  let next: ToolCall;
  switch (envelope.type) {
    case 'message_ack':
      next = { ...call, runId: typeof p.run_id === 'string' ? p.run_id : call.runId, phase: call.phase === 'sent' ? 'queued' : call.phase };
      break;
    case 'error':
      next = {
        ...call,
        phase: 'refused',
        error: { code: typeof p.code === 'string' ? p.code : 'ERROR', message: typeof p.message === 'string' ? p.message : 'refused', violations: [] },
      };
      break;
    case 'agent_started':
      next = { ...call, phase: call.phase === 'done' ? 'done' : 'running' };
      break;
    case 'tool_completed':
      next = { ...call, result: p.ok === true ? p.result : call.result, toolMs: typeof p.duration_ms === 'number' ? p.duration_ms : call.toolMs };
      break;
    case 'agent_completed': {
      const status = typeof p.status === 'string' ? p.status : 'failed';
      next = {
        ...call,
        phase: 'done',
        status,
        runMs: typeof p.duration_ms === 'number' ? p.duration_ms : call.runMs,
        error: status === 'succeeded' ? undefined : parseRunError(typeof p.error === 'string' ? p.error : status, status),
      };
      break;
    }
    default:
      return null;
  }
  const copy = [...calls];
  copy[index] = next;
  return copy;
}

/** One part of a result in the MCP content shape (`[{type: 'text', text}, {type: 'image', data, mimeType}, ...]`). */
export type ContentBlock =
  | { kind: 'text'; text: string }
  | { kind: 'image'; src: string; mimeType: string }
  | { kind: 'audio'; src: string; mimeType: string }
  | { kind: 'link'; uri: string; name: string; description?: string | undefined; mimeType?: string | undefined }
  | { kind: 'resource'; uri: string; text?: string | undefined; mimeType?: string | undefined }
  | { kind: 'json'; value: unknown };

const CONTENT_TYPES = new Set(['text', 'image', 'audio', 'resource_link', 'resource']);
/** Only raster images and audio become data: URLs (an SVG could carry script). */
const IMAGE_TYPE = /^image\/(?:png|jpeg|gif|webp|bmp)$/;
const AUDIO_TYPE = /^audio\/[a-z0-9.+-]+$/;
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * A result that is a list of MCP content blocks (what an MCP tool without structured content
 * returns), block by block for display: text as text, an image or audio as a data: URL, a
 * resource or link by its URI. Null for any other result (shown as JSON).
 */
export function contentBlocksOf(result: unknown): ContentBlock[] | null {
  if (!Array.isArray(result) || result.length === 0) return null;
  const items = result as unknown[];
  if (!items.every((b) => typeof b === 'object' && b !== null && CONTENT_TYPES.has(String((b as { type?: unknown }).type)))) return null;
  return items.map((item): ContentBlock => {
    const b = item as Record<string, unknown>;
    const mimeType = str(b.mimeType) ?? '';
    const data = str(b.data);
    if (b.type === 'text' && typeof b.text === 'string') return { kind: 'text', text: b.text };
    if (b.type === 'image' && data !== undefined && IMAGE_TYPE.test(mimeType) && BASE64.test(data))
      return { kind: 'image', mimeType, src: `data:${mimeType};base64,${data}` };
    if (b.type === 'audio' && data !== undefined && AUDIO_TYPE.test(mimeType) && BASE64.test(data))
      return { kind: 'audio', mimeType, src: `data:${mimeType};base64,${data}` };
    if (b.type === 'resource_link' && typeof b.uri === 'string')
      return { kind: 'link', uri: b.uri, name: str(b.name) ?? b.uri, description: str(b.description), mimeType: str(b.mimeType) };
    const resource = b.resource;
    if (b.type === 'resource' && typeof resource === 'object' && resource !== null) {
      const r = resource as Record<string, unknown>;
      if (typeof r.uri === 'string') return { kind: 'resource', uri: r.uri, text: str(r.text), mimeType: str(r.mimeType) };
    }
    return { kind: 'json', value: item };
  });
}
