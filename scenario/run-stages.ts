/**
 * Per-stage latency of one run, from the envelopes a client received and when it received
 * them. Pure and browser-safe (no Node APIs): the console's run view, the scenario runner's
 * results and `flowscope load`'s report all use this one definition.
 *
 * Stages (all in ms, on the caller's clock, from arrival times):
 * - queue wait: `message_ack` → `agent_started` (needs the ack time);
 * - first thinking: `agent_started` → the first `agent_thinking`;
 * - each tool call: `tool_executing` → the `tool_completed` with the same `call_id`, next to
 *   the `duration_ms` the agent reported;
 * - total: `message_ack` (or `agent_started` when the ack time is unknown) → `agent_completed`.
 *
 * Robust by construction: a stage whose events are missing (a run cancelled while queued has
 * no `agent_started`; a run still going has no `agent_completed`) is `undefined`, never a
 * guess; a seq delivered twice (reconnect, resume) counts once, at its first arrival; tool
 * calls are paired by `call_id`, so parallel calls that interleave are measured each on its
 * own; a stage that would come out negative (events whose arrival order contradicts their
 * seq order, e.g. replayed by `resume` later) is `undefined`.
 *
 * Usage:
 *   const stages = runStages(events.map((e) => ({ ...e.envelope, at_ms: e.receivedAt })), { ack_at_ms });
 *   stages.queue_wait_ms; stages.first_thinking_ms; stages.tools[0].duration_ms; stages.total_ms
 *   formatStageMs(stages.total_ms)   // "1.24 s"
 *   stageSamples(stages)             // { queue_wait: [..], first_thinking: [..], tool: [..], total: [..] }
 */

/** One received envelope and its arrival time. A `message_ack` among them gives the ack time. */
export interface StageEvent {
  type: string;
  /** When it arrived, in ms on any clock shared by all events of the run (and `ack_at_ms`). */
  at_ms: number;
  seq?: number | undefined;
  payload?: unknown;
}

export interface RunStagesOptions {
  /** When the run's `message_ack` arrived; overrides a `message_ack` among the events. */
  ack_at_ms?: number | undefined;
}

export type ToolCallState =
  /** Both events seen. */
  | 'completed'
  /** `tool_executing` seen, no `tool_completed` yet. */
  | 'running'
  /** `tool_completed` without its `tool_executing` (missed, e.g. before a resume point). */
  | 'unmatched';

export interface ToolCallTiming {
  call_id: string;
  tool: string;
  state: ToolCallState;
  /** Arrival times (caller's clock) of `tool_executing` and `tool_completed`. */
  executing_at_ms: number | undefined;
  completed_at_ms: number | undefined;
  /** Observed: `tool_executing` → `tool_completed`, on arrival. */
  duration_ms: number | undefined;
  /** What the agent reported in `tool_completed.payload.duration_ms`. */
  reported_ms: number | undefined;
  ok: boolean | undefined;
}

export interface RunStages {
  queue_wait_ms: number | undefined;
  first_thinking_ms: number | undefined;
  /** In the order the calls started (`unmatched` ones at their completion). */
  tools: ToolCallTiming[];
  total_ms: number | undefined;
  /** Where `total_ms` starts. */
  total_from: 'ack' | 'agent_started' | undefined;
  /** `agent_completed.payload.duration_ms` (the server's own measure), when seen. */
  reported_total_ms: number | undefined;
  /** `agent_completed.payload.status`; undefined while the run is going. */
  status: string | undefined;
  /** Arrival times of the anchors (caller's clock), for timelines. */
  ack_at_ms: number | undefined;
  started_at_ms: number | undefined;
  completed_at_ms: number | undefined;
  /** Envelopes ignored because their seq (or, without seq, their identity) was already seen. */
  duplicates: number;
}

/** The stage names, as `flowscope load` and thresholds use them (`p95(stage.total)`). */
export const STAGE_NAMES = ['queue_wait', 'first_thinking', 'tool', 'total'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const STAGE_LABELS: Record<StageName, string> = {
  queue_wait: 'queue wait',
  first_thinking: 'first thinking',
  tool: 'tool call',
  total: 'total',
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
/** b - a, or undefined when either is unknown or time would run backwards. */
const span = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b < a ? undefined : b - a);

/** Computes the stages of one run. The events may come in any order and contain duplicates. */
export function runStages(events: Iterable<StageEvent>, options: RunStagesOptions = {}): RunStages {
  // Arrival order; ties keep the given order (Array.prototype.sort is stable).
  const list = [...events].filter((e) => Number.isFinite(e.at_ms)).sort((a, b) => a.at_ms - b.at_ms);
  const seenSeqs = new Set<number>();
  let duplicates = 0;
  let ackAt = num(options.ack_at_ms);
  let startedAt: number | undefined;
  let thinkingAt: number | undefined;
  let completed: { at: number; status: string | undefined; reported: number | undefined } | undefined;
  const calls = new Map<string, ToolCallTiming>();
  const order: ToolCallTiming[] = [];
  let anonymous = 0;

  for (const e of list) {
    const seq = num(e.seq);
    const p = isObject(e.payload) ? e.payload : {};
    if (seq !== undefined) {
      if (seenSeqs.has(seq)) {
        duplicates++;
        continue;
      }
      seenSeqs.add(seq);
    }
    switch (e.type) {
      case 'message_ack':
        ackAt ??= e.at_ms;
        break;
      case 'agent_started':
        if (startedAt === undefined) startedAt = e.at_ms;
        else duplicates++;
        break;
      case 'agent_thinking':
        thinkingAt ??= e.at_ms;
        break;
      case 'tool_executing': {
        const id = str(p.call_id) ?? `#${++anonymous}`;
        const existing = calls.get(id);
        if (existing) {
          // The completion came first (arrival order contradicts seq): keep both times as given.
          if (existing.executing_at_ms === undefined) existing.executing_at_ms = e.at_ms;
          else duplicates++;
          break;
        }
        const call: ToolCallTiming = {
          call_id: id,
          tool: str(p.tool) ?? '?',
          state: 'running',
          executing_at_ms: e.at_ms,
          completed_at_ms: undefined,
          duration_ms: undefined,
          reported_ms: undefined,
          ok: undefined,
        };
        calls.set(id, call);
        order.push(call);
        break;
      }
      case 'tool_completed': {
        const tool = str(p.tool) ?? '?';
        let id = str(p.call_id);
        // Without a call_id, pair with the oldest open call of the same tool.
        if (id === undefined)
          id =
            order.find((c) => c.completed_at_ms === undefined && c.executing_at_ms !== undefined && c.call_id.startsWith('#') && c.tool === tool)?.call_id ??
            `#${++anonymous}`;
        let call = calls.get(id);
        if (call && call.completed_at_ms !== undefined) {
          duplicates++;
          break;
        }
        if (!call) {
          call = {
            call_id: id,
            tool,
            state: 'unmatched',
            executing_at_ms: undefined,
            completed_at_ms: undefined,
            duration_ms: undefined,
            reported_ms: undefined,
            ok: undefined,
          };
          calls.set(id, call);
          order.push(call);
        }
        call.completed_at_ms = e.at_ms;
        call.reported_ms = num(p.duration_ms);
        call.ok = typeof p.ok === 'boolean' ? p.ok : undefined;
        break;
      }
      case 'agent_completed':
        if (completed === undefined) completed = { at: e.at_ms, status: str(p.status), reported: num(p.duration_ms) };
        else duplicates++;
        break;
      default:
        break;
    }
  }

  for (const call of order) {
    if (call.executing_at_ms !== undefined && call.completed_at_ms !== undefined) {
      call.state = 'completed';
      call.duration_ms = span(call.executing_at_ms, call.completed_at_ms);
    } else call.state = call.executing_at_ms !== undefined ? 'running' : 'unmatched';
  }
  const totalFrom = ackAt !== undefined ? 'ack' : startedAt !== undefined ? 'agent_started' : undefined;
  const totalStart = ackAt ?? startedAt;
  const total = completed ? span(totalStart, completed.at) : undefined;
  return {
    queue_wait_ms: span(ackAt, startedAt),
    first_thinking_ms: span(startedAt, thinkingAt),
    tools: order,
    total_ms: total,
    total_from: total === undefined ? undefined : totalFrom,
    reported_total_ms: completed?.reported,
    status: completed?.status,
    ack_at_ms: ackAt,
    started_at_ms: startedAt,
    completed_at_ms: completed?.at,
    duplicates,
  };
}

/** The stage values of one run as samples: `tool` has one per completed call (observed, else reported). */
export function stageSamples(stages: RunStages): Record<StageName, number[]> {
  const one = (v: number | undefined) => (v === undefined ? [] : [v]);
  const tool: number[] = [];
  for (const c of stages.tools) {
    const v = c.duration_ms ?? c.reported_ms;
    if (v !== undefined && c.completed_at_ms !== undefined) tool.push(v);
  }
  return { queue_wait: one(stages.queue_wait_ms), first_thinking: one(stages.first_thinking_ms), tool, total: one(stages.total_ms) };
}

/** A duration for people: `—` unknown, `0.4 ms`, `37 ms`, `1.24 s`, `12.5 s`, `2 m 05 s`. */
export function formatStageMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 10) return `${Math.round(ms * 10) / 10} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

/** One line: `queue 3 ms · first thinking 12 ms · search 40 ms · total 1.24 s`. Unknown stages are left out. */
export function formatRunStages(stages: RunStages): string {
  const parts: string[] = [];
  if (stages.queue_wait_ms !== undefined) parts.push(`queue ${formatStageMs(stages.queue_wait_ms)}`);
  if (stages.first_thinking_ms !== undefined) parts.push(`first thinking ${formatStageMs(stages.first_thinking_ms)}`);
  for (const c of stages.tools) {
    const v = c.duration_ms ?? c.reported_ms;
    parts.push(c.state === 'running' ? `${c.tool} running` : `${c.tool} ${formatStageMs(v)}${c.ok === false ? ' (failed)' : ''}`);
  }
  if (stages.total_ms !== undefined) parts.push(`total ${formatStageMs(stages.total_ms)}`);
  return parts.join(' · ');
}
