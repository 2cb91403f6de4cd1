/**
 * Assembles the streamed `tool_calls` deltas of one model turn: each delta names the call by
 * `index`; the first carries the id and function name, the arguments arrive as text fragments
 * to concatenate. Several calls of a turn interleave freely. A server that omits `index`
 * (some send each call whole) gets one call per new id.
 *
 * Call ids: the model's, except a missing one (`call_<turn>_<n>`) or one already used in the
 * run (some servers restart at `call_0` every turn), which gets `_<turn>_<n>` appended, so
 * the events' call ids and the conversation's `tool_call_id`s stay unique and matched.
 */
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

export class ToolCallAssembler {
  private readonly byIndex = new Map<number, PendingCall>();
  private lastIndex: number | undefined;

  get size(): number {
    return this.byIndex.size;
  }

  add(deltas: readonly ToolCallDelta[]): void {
    for (const delta of deltas) {
      const index = this.indexOf(delta);
      let call = this.byIndex.get(index);
      if (call === undefined) {
        call = { id: '', name: '', argumentsText: '' };
        this.byIndex.set(index, call);
      }
      this.lastIndex = index;
      if (delta.id && call.id === '') call.id = delta.id;
      const fn = delta.function;
      if (fn?.name && call.name === '') call.name = fn.name;
      if (typeof fn?.arguments === 'string') call.argumentsText += fn.arguments;
    }
  }

  private indexOf(delta: ToolCallDelta): number {
    if (typeof delta.index === 'number' && Number.isInteger(delta.index) && delta.index >= 0) return delta.index;
    const last = this.lastIndex === undefined ? undefined : this.byIndex.get(this.lastIndex);
    const startsNew = last === undefined || (delta.id !== undefined && delta.id !== '' && delta.id !== last.id);
    if (!startsNew && this.lastIndex !== undefined) return this.lastIndex;
    return this.byIndex.size === 0 ? 0 : Math.max(...this.byIndex.keys()) + 1;
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
