/**
 * Reads the events of one AG-UI run (one SSE response) and turns them into what Flowscope
 * relays (docs/ag-ui.md, "AG-UI agents as a source"):
 * - each event's data is parsed as JSON and checked against @ag-ui/core's EventSchema;
 * - the legacy THINKING_* events (before REASONING_*) are read as their REASONING_* twins;
 * - chunk events (TEXT_MESSAGE_CHUNK, TOOL_CALL_CHUNK, REASONING_MESSAGE_CHUNK) are expanded
 *   into START / CONTENT|ARGS / END as @ag-ui/client's transformChunks does: one chunk stream
 *   is open at a time, a chunk with another id (or any other event) closes it;
 * - the lifecycle is enforced as @ag-ui/client's verifyEvents does: RUN_STARTED first, nothing
 *   after RUN_FINISHED / RUN_ERROR, content only for a started message or call, no id
 *   started twice, a step finished only once started (and not started twice while active),
 *   no RUN_FINISHED while a message (text or reasoning), call or step is open.
 * Text, reasoning and arguments are gathered per message or call and handed on whole, at
 * their END. Events with no Flowscope counterpart (STATE_*, MESSAGES_SNAPSHOT, CUSTOM, RAW,
 * ACTIVITY_*, REASONING_ENCRYPTED_VALUE, SUBAGENT_*) are counted; the last STATE_SNAPSHOT is
 * kept for a follow-up run. An unknown event type is ignored (forward compatibility).
 */
import { EventSchema } from '@ag-ui/core/schemas';
import { AguiAgentError } from './ag-ui-agent-errors.ts';
import type { SseEvent } from './sse-parser.ts';

/** What one AG-UI event (after expansion) means for the Flowscope run. */
export type AguiAction =
  | { kind: 'thought'; text: string }
  /** A call starts (held text becomes a thought before it). */
  | { kind: 'tool_start'; id: string; name: string }
  /** A call's arguments are complete (TOOL_CALL_END). */
  | { kind: 'tool_call'; id: string; name: string; args: string }
  | { kind: 'tool_result'; id: string; name: string; content: string }
  /** An assistant text message is complete (TEXT_MESSAGE_END). */
  | { kind: 'text'; id: string; text: string }
  | { kind: 'finished'; outcome: string; usage: { input_tokens: number; output_tokens: number } | undefined }
  | { kind: 'error'; message: string; code: string | undefined };

const LEGACY: Record<string, string> = {
  THINKING_START: 'REASONING_START',
  THINKING_END: 'REASONING_END',
  THINKING_TEXT_MESSAGE_START: 'REASONING_MESSAGE_START',
  THINKING_TEXT_MESSAGE_CONTENT: 'REASONING_MESSAGE_CONTENT',
  THINKING_TEXT_MESSAGE_END: 'REASONING_MESSAGE_END',
};
/** Legacy thinking messages carry no id: they get this one. */
const LEGACY_THINKING_ID = 'legacy-thinking';

const KNOWN = new Set<string>(EventSchema.options.map((option) => String((option.shape.type as { value: unknown }).value)));

/** Events counted but not relayed. */
export const UNMAPPED_TYPES = [
  'STATE_SNAPSHOT',
  'STATE_DELTA',
  'MESSAGES_SNAPSHOT',
  'ACTIVITY_SNAPSHOT',
  'ACTIVITY_DELTA',
  'RAW',
  'CUSTOM',
  'REASONING_ENCRYPTED_VALUE',
  'SUBAGENT_STARTED',
  'SUBAGENT_FINISHED',
  'SUBAGENT_ERROR',
  'REASONING_START',
  'REASONING_END',
] as const;

type Raw = Record<string, unknown> & { type: string };
type ChunkKind = 'text' | 'tool' | 'reasoning';

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function usageOf(value: unknown): { input_tokens: number; output_tokens: number } | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  let input = 0;
  let output = 0;
  for (const entry of value as Array<{ inputTokens?: unknown; outputTokens?: unknown }>) {
    if (typeof entry.inputTokens === 'number' && Number.isInteger(entry.inputTokens) && entry.inputTokens >= 0) input += entry.inputTokens;
    if (typeof entry.outputTokens === 'number' && Number.isInteger(entry.outputTokens) && entry.outputTokens >= 0) output += entry.outputTokens;
  }
  return { input_tokens: input, output_tokens: output };
}

/** ToolCallResult content (a string or content parts) as text: the text parts joined. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: { type?: unknown; text?: unknown }) => (part.type === 'text' && typeof part.text === 'string' ? part.text : '')).join('');
}

export class AguiEventReader {
  private started = false;
  private ended: { type: string; number: number } | undefined;
  private readonly texts = new Map<string, string>();
  private readonly calls = new Map<string, { name: string; args: string }>();
  private readonly reasoning = new Map<string, string>();
  private readonly callIds = new Set<string>();
  private readonly messageIds = new Set<string>();
  /** Steps started and not finished (verifyEvents: a step is started once and finished by name). */
  private readonly steps = new Set<string>();
  /** Every call id ever started in the Flowscope run → its tool (for TOOL_CALL_RESULT). */
  readonly toolNames: Map<string, string>;
  private chunk: { kind: ChunkKind; id: string } | undefined;
  /** The last STATE_SNAPSHOT's snapshot. */
  state: unknown = undefined;
  /** How many events of each unmapped type were seen. */
  readonly unmapped = new Map<string, number>();
  private number = 0;

  constructor(
    /** Longest text, reasoning or arguments of one message or call, in characters. */
    private readonly maxChars: number,
    toolNames: Map<string, string> = new Map(),
  ) {
    this.toolNames = toolNames;
  }

  get finished(): boolean {
    return this.ended !== undefined;
  }

  get eventsSeen(): number {
    return this.number;
  }

  private violation(detail: string): AguiAgentError {
    return new AguiAgentError('lifecycle_violation', `event ${this.number} (${detail})`);
  }

  /** The actions of one SSE event; throws AguiAgentError. */
  read(sse: SseEvent): AguiAction[] {
    this.number = sse.number;
    let value: unknown;
    try {
      value = JSON.parse(sse.data);
    } catch (err) {
      throw new AguiAgentError('invalid_event', `event ${sse.number} is not JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string') {
      throw new AguiAgentError('invalid_event', `event ${sse.number} is not an object with a string "type"`);
    }
    let event = value as Raw;
    const legacy = LEGACY[event.type];
    if (legacy)
      event = {
        ...event,
        type: legacy,
        messageId: str(event.messageId) || LEGACY_THINKING_ID,
        ...(legacy === 'REASONING_MESSAGE_START' ? { role: 'reasoning' } : {}),
      };
    if (!KNOWN.has(event.type)) return [];
    const parsed = EventSchema.safeParse(event);
    if (!parsed.success) {
      const problems = parsed.error.issues.slice(0, 3).map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`);
      throw new AguiAgentError('invalid_event', `event ${sse.number} (${event.type}) is invalid: ${problems.join('; ')}`);
    }
    if (this.ended) throw this.violation(`${event.type} after ${this.ended.type}, which must be the last event`);
    if (!this.started && event.type !== 'RUN_STARTED') {
      if (event.type === 'RUN_ERROR') return this.apply(event);
      throw this.violation(`${event.type} before RUN_STARTED, which must come first`);
    }
    return this.expand(event).flatMap((e) => this.apply(e));
  }

  /** Chunk events become START / CONTENT / END; any other event first closes an open chunk stream. */
  private expand(event: Raw): Raw[] {
    const kind: ChunkKind | undefined =
      event.type === 'TEXT_MESSAGE_CHUNK'
        ? 'text'
        : event.type === 'TOOL_CALL_CHUNK'
          ? 'tool'
          : event.type === 'REASONING_MESSAGE_CHUNK'
            ? 'reasoning'
            : undefined;
    const out: Raw[] = [];
    if (kind === undefined) {
      out.push(...this.closeChunk(), event);
      return out;
    }
    const id = kind === 'tool' ? str(event.toolCallId) : str(event.messageId);
    const open = this.chunk;
    if (!open || open.kind !== kind || (id !== '' && id !== open.id)) {
      out.push(...this.closeChunk());
      if (id === '') throw this.violation(`the first ${event.type} of a stream must have a ${kind === 'tool' ? 'toolCallId' : 'messageId'}`);
      if (kind === 'text') out.push({ type: 'TEXT_MESSAGE_START', messageId: id, role: typeof event.role === 'string' ? event.role : 'assistant' });
      else if (kind === 'reasoning') out.push({ type: 'REASONING_MESSAGE_START', messageId: id, role: 'reasoning' });
      else {
        if (typeof event.toolCallName !== 'string') throw this.violation(`the first TOOL_CALL_CHUNK of a call must have a toolCallName`);
        out.push({ type: 'TOOL_CALL_START', toolCallId: id, toolCallName: event.toolCallName });
      }
      this.chunk = { kind, id };
    }
    const current = this.chunk as { kind: ChunkKind; id: string };
    if (typeof event.delta === 'string') {
      if (kind === 'text') out.push({ type: 'TEXT_MESSAGE_CONTENT', messageId: current.id, delta: event.delta });
      else if (kind === 'reasoning') out.push({ type: 'REASONING_MESSAGE_CONTENT', messageId: current.id, delta: event.delta });
      else out.push({ type: 'TOOL_CALL_ARGS', toolCallId: current.id, delta: event.delta });
    }
    return out;
  }

  private closeChunk(): Raw[] {
    const open = this.chunk;
    if (!open) return [];
    this.chunk = undefined;
    if (open.kind === 'text') return this.texts.has(open.id) ? [{ type: 'TEXT_MESSAGE_END', messageId: open.id }] : [];
    if (open.kind === 'reasoning') return this.reasoning.has(open.id) ? [{ type: 'REASONING_MESSAGE_END', messageId: open.id }] : [];
    return this.calls.has(open.id) ? [{ type: 'TOOL_CALL_END', toolCallId: open.id }] : [];
  }

  private grow(current: string, delta: string, what: string): string {
    const next = current + delta;
    if (next.length > this.maxChars) throw new AguiAgentError('too_long', `event ${this.number}: ${what} is longer than ${this.maxChars} characters`);
    return next;
  }

  private apply(event: Raw): AguiAction[] {
    switch (event.type) {
      case 'RUN_STARTED':
        if (this.started) throw this.violation('RUN_STARTED twice');
        this.started = true;
        return [];
      case 'RUN_FINISHED': {
        const open = [
          ...[...this.texts.keys()].map((id) => `text message '${id}'`),
          ...[...this.reasoning.keys()].map((id) => `reasoning message '${id}'`),
          ...[...this.calls.keys()].map((id) => `tool call '${id}'`),
          ...[...this.steps].map((name) => `step '${name}'`),
        ];
        if (open.length > 0) throw this.violation(`RUN_FINISHED while ${open.join(', ')} is still open`);
        this.ended = { type: 'RUN_FINISHED', number: this.number };
        const outcome = event.outcome as { type?: unknown } | undefined;
        return [{ kind: 'finished', outcome: typeof outcome?.type === 'string' ? outcome.type : 'success', usage: usageOf(event.usage) }];
      }
      case 'RUN_ERROR':
        this.ended = { type: 'RUN_ERROR', number: this.number };
        return [{ kind: 'error', message: str(event.message), code: typeof event.code === 'string' ? event.code : undefined }];
      case 'STEP_STARTED': {
        const name = str(event.stepName);
        if (this.steps.has(name)) throw this.violation(`STEP_STARTED for step '${name}', which is already active`);
        this.steps.add(name);
        return [{ kind: 'thought', text: `step started: ${name}` }];
      }
      case 'STEP_FINISHED': {
        const name = str(event.stepName);
        if (!this.steps.delete(name)) throw this.violation(`STEP_FINISHED for step '${name}', which was not started`);
        return [{ kind: 'thought', text: `step finished: ${name}` }];
      }
      case 'TEXT_MESSAGE_START': {
        const id = str(event.messageId);
        if (this.texts.has(id) || this.messageIds.has(id)) throw this.violation(`TEXT_MESSAGE_START for message '${id}', which was already started`);
        this.messageIds.add(id);
        this.texts.set(id, '');
        return [];
      }
      case 'TEXT_MESSAGE_CONTENT': {
        const id = str(event.messageId);
        const text = this.texts.get(id);
        if (text === undefined) throw this.violation(`TEXT_MESSAGE_CONTENT for message '${id}', which is not open`);
        this.texts.set(id, this.grow(text, str(event.delta), `text message '${id}'`));
        return [];
      }
      case 'TEXT_MESSAGE_END': {
        const id = str(event.messageId);
        const text = this.texts.get(id);
        if (text === undefined) throw this.violation(`TEXT_MESSAGE_END for message '${id}', which is not open`);
        this.texts.delete(id);
        return [{ kind: 'text', id, text }];
      }
      case 'REASONING_MESSAGE_START': {
        const id = str(event.messageId);
        if (this.reasoning.has(id)) throw this.violation(`REASONING_MESSAGE_START for message '${id}', which is already open`);
        this.reasoning.set(id, '');
        return [];
      }
      case 'REASONING_MESSAGE_CONTENT': {
        const id = str(event.messageId);
        const text = this.reasoning.get(id);
        if (text === undefined) throw this.violation(`REASONING_MESSAGE_CONTENT for message '${id}', which is not open`);
        this.reasoning.set(id, this.grow(text, str(event.delta), `reasoning message '${id}'`));
        return [];
      }
      case 'REASONING_MESSAGE_END': {
        const id = str(event.messageId);
        const text = this.reasoning.get(id);
        if (text === undefined) throw this.violation(`REASONING_MESSAGE_END for message '${id}', which is not open`);
        this.reasoning.delete(id);
        return text.trim() === '' ? [] : [{ kind: 'thought', text }];
      }
      case 'TOOL_CALL_START': {
        const id = str(event.toolCallId);
        const name = str(event.toolCallName);
        if (this.callIds.has(id) || this.toolNames.has(id)) throw this.violation(`TOOL_CALL_START for call '${id}', which was already started`);
        this.callIds.add(id);
        this.toolNames.set(id, name);
        this.calls.set(id, { name, args: '' });
        return [{ kind: 'tool_start', id, name }];
      }
      case 'TOOL_CALL_ARGS': {
        const id = str(event.toolCallId);
        const call = this.calls.get(id);
        if (!call) throw this.violation(`TOOL_CALL_ARGS for call '${id}', which is not open`);
        call.args = this.grow(call.args, str(event.delta), `the arguments of tool call '${id}'`);
        return [];
      }
      case 'TOOL_CALL_END': {
        const id = str(event.toolCallId);
        const call = this.calls.get(id);
        if (!call) throw this.violation(`TOOL_CALL_END for call '${id}', which is not open`);
        this.calls.delete(id);
        return [{ kind: 'tool_call', id, name: call.name, args: call.args }];
      }
      case 'TOOL_CALL_RESULT': {
        const id = str(event.toolCallId);
        const name = this.toolNames.get(id);
        if (name === undefined) throw this.violation(`TOOL_CALL_RESULT for call '${id}', which was never started`);
        if (this.calls.has(id)) throw this.violation(`TOOL_CALL_RESULT for call '${id}' before its TOOL_CALL_END`);
        return [{ kind: 'tool_result', id, name, content: contentText(event.content) }];
      }
      case 'STATE_SNAPSHOT':
        this.state = event.snapshot;
        this.count(event.type);
        return [];
      default:
        this.count(event.type);
        return [];
    }
  }

  private count(type: string): void {
    this.unmapped.set(type, (this.unmapped.get(type) ?? 0) + 1);
  }
}
