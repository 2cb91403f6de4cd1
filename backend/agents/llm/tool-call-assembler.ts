/**
 * Assembles the streamed `tool_calls` deltas of one model turn: each delta names the call by
 * `index`; the first carries the id and function name, the arguments arrive as text fragments
 * to concatenate. Several calls of a turn interleave freely. A server that omits `index`
 * (some send each call whole) gets one call per new id.
 *
 * Call ids: the model's, except a missing one (`call_<turn>_<n>`) or one already used in the
 * run (some servers restart at `call_0` every turn), which gets `_<turn>_<n>` appended, so
 * the events' call ids and the conversation's `tool_call_id`s stay unique and matched.
 *
 * Linear in the deltas (the next new index is kept, not searched for), and bounded: more than
 * `maxCalls` calls in a turn, or more than `maxChars` characters of names, ids and arguments,
 * throws an LlmRunError (the turn stops there and the request is cancelled).
 */
import { LlmRunError } from './llm-errors.ts';
import type { AssembledToolCall } from './llm-messages.ts';

export interface ToolCallDelta {
  index?: number | undefined;
  id?: string | undefined;
  function?: { name?: string | undefined; arguments?: string | undefined } | undefined;
}

interface PendingCall {
  id: string;
  name: string;
  argumentsText: string;
}

export interface ToolCallLimits {
  /** Calls per turn (maxToolCallsPerTurn). */
  maxCalls: number;
  /** Characters of the calls' ids, names and arguments, with `charsBefore` (maxAnswerChars). */
  maxChars: number;
}

const UNBOUNDED: ToolCallLimits = { maxCalls: Number.POSITIVE_INFINITY, maxChars: Number.POSITIVE_INFINITY };

export class ToolCallAssembler {
  private readonly byIndex = new Map<number, PendingCall>();
  private lastIndex: number | undefined;
  /** One past the highest index seen: where an index-less new call goes. */
  private nextIndex = 0;
  private chars = 0;

  constructor(private readonly limits: ToolCallLimits = UNBOUNDED) {}

  get size(): number {
    return this.byIndex.size;
  }

  /** Characters of the ids, names and arguments received so far. */
  get textLength(): number {
    return this.chars;
  }

  /** Adds the deltas of one chunk; `charsBefore` is the turn's answer text so far (one budget). */
  add(deltas: readonly ToolCallDelta[], charsBefore = 0): void {
    for (const delta of deltas) {
      const index = this.indexOf(delta);
      let call = this.byIndex.get(index);
      if (call === undefined) {
        if (this.byIndex.size >= this.limits.maxCalls) {
          throw new LlmRunError(
            'LLM_TOO_MANY_TOOL_CALLS',
            `the model made more than ${this.limits.maxCalls} tool calls in one turn, the most a turn may make (maxToolCallsPerTurn, LLM_MAX_TOOL_CALLS_PER_TURN); the request was cancelled`,
          );
        }
        call = { id: '', name: '', argumentsText: '' };
        this.byIndex.set(index, call);
        if (index >= this.nextIndex) this.nextIndex = index + 1;
      }
      this.lastIndex = index;
      const fn = delta.function;
      const id = typeof delta.id === 'string' && delta.id !== '' && call.id === '' ? delta.id : '';
      const name = typeof fn?.name === 'string' && fn.name !== '' && call.name === '' ? fn.name : '';
      const args = typeof fn?.arguments === 'string' ? fn.arguments : '';
      this.chars += id.length + name.length + args.length;
      if (charsBefore + this.chars > this.limits.maxChars) {
        throw new LlmRunError(
          'LLM_ANSWER_TOO_LONG',
          `the model's answer (text and tool-call arguments) passed ${this.limits.maxChars} characters, the most a turn may stream (maxAnswerChars, LLM_MAX_ANSWER_CHARS); the request was cancelled`,
        );
      }
      if (id) call.id = id;
      if (name) call.name = name;
      if (args) call.argumentsText += args;
    }
  }

  private indexOf(delta: ToolCallDelta): number {
    if (typeof delta.index === 'number' && Number.isInteger(delta.index) && delta.index >= 0) return delta.index;
    const last = this.lastIndex === undefined ? undefined : this.byIndex.get(this.lastIndex);
    const startsNew = last === undefined || (typeof delta.id === 'string' && delta.id !== '' && delta.id !== last.id);
    if (!startsNew && this.lastIndex !== undefined) return this.lastIndex;
    return this.nextIndex;
  }

  /**
   * The calls in index order, each with an id unique in `usedIds` (which it extends).
   * `turn` numbers the ids it has to make up.
   */
  finish(turn: number, usedIds: Set<string>): AssembledToolCall[] {
    const ordered = [...this.byIndex.entries()].sort(([a], [b]) => a - b);
    return ordered.map(([, call], n) => {
      let id = call.id === '' ? `call_${turn}_${n + 1}` : call.id;
      if (usedIds.has(id)) id = `${id}_${turn}_${n + 1}`;
      for (let k = 2; usedIds.has(id); k += 1) id = `${call.id || 'call'}_${turn}_${n + 1}_${k}`;
      usedIds.add(id);
      return { id, name: call.name, argumentsText: call.argumentsText };
    });
  }
}
