/**
 * A run's stage latencies for its lane: queue wait (ack → agent_started), time to first
 * thinking (agent_started → first agent_thinking), each tool's duration, total (ack, or
 * agent_started without one, → agent_completed). Times are the envelopes' own (server
 * timestamps; arrival time when there is none). Null where the run has not got there.
 */
import type { StreamEvent } from './console-store.ts';

export interface ToolStage {
  tool: string;
  callId: string;
  ms: number | null;
  ok: boolean | null;
}

export interface RunStages {
  queueWaitMs: number | null;
  firstThinkingMs: number | null;
  tools: ToolStage[];
  totalMs: number | null;
}

export function stagesOfLane(events: ReadonlyArray<{ event: StreamEvent; at: number }>, ackAt?: number): RunStages {
  const first = (type: string) => events.find((e) => e.event.envelope.type === type);
  const started = first('agent_started');
  const thinking = first('agent_thinking');
  const completed = first('agent_completed');
  const tools: ToolStage[] = [];
  const open = new Map<string, { at: number; index: number }>();
  for (const { event, at } of events) {
    const p = (event.envelope.payload ?? {}) as { tool?: unknown; call_id?: unknown; duration_ms?: unknown; ok?: unknown };
    const callId = String(p.call_id ?? '');
    if (event.envelope.type === 'tool_executing') {
      open.set(callId, { at, index: tools.length });
      tools.push({ tool: String(p.tool ?? '?'), callId, ms: null, ok: null });
    } else if (event.envelope.type === 'tool_completed') {
      const o = open.get(callId);
      const ms = typeof p.duration_ms === 'number' ? p.duration_ms : o ? at - o.at : null;
      const stage = { tool: String(p.tool ?? '?'), callId, ms, ok: typeof p.ok === 'boolean' ? p.ok : null };
      if (o) tools[o.index] = stage;
      else tools.push(stage);
    }
  }
  const start = ackAt ?? started?.at;
  return {
    queueWaitMs: ackAt !== undefined && started ? Math.max(0, started.at - ackAt) : null,
    firstThinkingMs: started && thinking ? Math.max(0, thinking.at - started.at) : null,
    tools,
    totalMs: start !== undefined && completed ? Math.max(0, completed.at - start) : null,
  };
}
