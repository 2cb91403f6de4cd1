/**
 * Groups events into runs for the timeline: one lane per run_id, events in seq order. Only the
 * five run events count; an event whose seq the run already has (a resume replay, a history load
 * of a live run) is dropped, the first copy kept.
 */
import { GOLDEN_PATH_EVENTS, RUN_EVENT_TYPES } from '../../../../protocol/index.ts';
import { eventTimeOf, type StreamEvent } from '../live-events/index.ts';
import { stagesOfLane, type RunStages } from './lane-stages.ts';

/**
 * A golden-path event in a lane's checklist: `seen`; `pending` (the run has not ended: it may
 * still come); `not-reached` (the run was cancelled, interrupted or failed before it);
 * `not-used` (a tool event of a run that succeeded without calling a tool: nothing was
 * missed); `missing` (the run succeeded without it: a broken run).
 */
export type CheckState = 'seen' | 'pending' | 'not-used' | 'not-reached' | 'missing';
const TOOL_PAIR: readonly string[] = ['tool_executing', 'tool_completed'];

export interface RunLaneModel {
  runId: string;
  userId: string;
  events: Array<{ event: StreamEvent; at: number }>;
  seen: Record<string, boolean>;
  /** Each golden-path event's state in the checklist. */
  checks: Record<string, CheckState>;
  status: string;
  response: string | null;
  error: string | null;
  /** The run ended badly: failed, cancelled or interrupted. */
  flagged: boolean;
  source: 'live' | 'history';
  /** Where the run's time went (run-stages). */
  stages: RunStages;
  /** The highest seq seen (what a resume asks after). */
  lastSeq: number;
}

const BAD_STATUSES: readonly string[] = ['failed', 'cancelled', 'interrupted'];

export function isBadStatus(status: string): boolean {
  return BAD_STATUSES.includes(status);
}

/** Milliseconds between each event and the one before it (one entry per event after the first). */
export function laneGaps(lane: RunLaneModel): number[] {
  return lane.events.slice(1).map((e, i) => e.at - lane.events[i]!.at);
}

/** Milliseconds from the first event to the last (0 for one event or none). */
export function laneSpan(lane: RunLaneModel): number {
  const first = lane.events[0]?.at ?? 0;
  const last = lane.events[lane.events.length - 1]?.at ?? first;
  return last - first;
}

/**
 * How long a lane has run: from its first event to its last by server time, and while it is
 * running, plus the time since its last event arrived (so it ticks, free of clock skew).
 */
export function laneDuration(lane: RunLaneModel, now: number): number {
  const span = laneSpan(lane);
  if (lane.status !== 'running') return span;
  const last = lane.events[lane.events.length - 1];
  return last ? span + Math.max(0, now - last.event.receivedAt) : span;
}

/** An event's time on the lane: the server's timestamp (the one time base of every view), else its receive time. */
export function timeOf(e: StreamEvent): number {
  return eventTimeOf(e);
}

/**
 * The checklist of a run (`status`: its end status, 'running' before its agent_completed): what
 * it saw, and for the rest, whether that is pending, not used, not reached or missing.
 */
export function checkStates(seen: Readonly<Record<string, boolean>>, status: string): Record<string, CheckState> {
  const ended = seen.agent_completed === true;
  const usedTools = TOOL_PAIR.some((t) => seen[t]);
  const out: Record<string, CheckState> = {};
  for (const t of GOLDEN_PATH_EVENTS) {
    if (seen[t]) out[t] = 'seen';
    else if (!ended) out[t] = 'pending';
    else if (isBadStatus(status)) out[t] = 'not-reached';
    else if (TOOL_PAIR.includes(t) && !usedTools) out[t] = 'not-used';
    else out[t] = 'missing';
  }
  return out;
}

/** One run's lane from its events (any order, duplicates of a seq dropped) and its ack's time. */
export function buildLane(runId: string, events: readonly StreamEvent[], ackAt?: number): RunLaneModel {
  const list: StreamEvent[] = [];
  const seqs = new Set<number>();
  for (const e of events) {
    const seq = e.envelope.seq;
    if (typeof seq === 'number') {
      if (seqs.has(seq)) continue;
      seqs.add(seq);
    }
    list.push(e);
  }
  list.sort((a, b) => (Number(a.envelope.seq) || 0) - (Number(b.envelope.seq) || 0));
  const seen: Record<string, boolean> = {};
  for (const t of GOLDEN_PATH_EVENTS) seen[t] = list.some((e) => e.envelope.type === t);
  const done = list.find((e) => e.envelope.type === 'agent_completed');
  const payload = (done?.envelope.payload ?? {}) as { status?: string; response?: string | null; error?: string | null };
  const status = payload.status ?? 'running';
  const timed = list.map((event) => ({ event, at: timeOf(event) }));
  let lastSeq = 0;
  for (const s of seqs) lastSeq = Math.max(lastSeq, s);
  return {
    runId,
    userId: list[0]?.userId ?? '?',
    events: timed,
    seen,
    checks: checkStates(seen, status),
    status,
    response: payload.response ?? null,
    error: payload.error ?? null,
    flagged: isBadStatus(status),
    source: list.length > 0 && list.every((e) => e.source === 'history') ? 'history' : 'live',
    stages: stagesOfLane(timed, ackAt),
    lastSeq,
  };
}

const isRunEvent = (e: StreamEvent) => (RUN_EVENT_TYPES as readonly string[]).includes(e.envelope.type);

/** The time of a message_ack (the start of its run's queue wait), when `e` is one. */
export function ackTimeOf(e: StreamEvent): { runId: string; at: number } | null {
  if (e.envelope.type !== 'message_ack') return null;
  const p = (e.envelope.payload ?? {}) as { run_id?: unknown; duplicate?: unknown };
  const runId = typeof p.run_id === 'string' ? p.run_id : e.envelope.run_id;
  if (typeof runId !== 'string' || p.duplicate === true) return null;
  return { runId, at: timeOf(e) };
}

/** `ackTimes`: when each run's message_ack arrived, where the events do not include the ack. */
export function buildRuns(live: StreamEvent[], loaded: Record<string, StreamEvent[]>, ackTimes?: ReadonlyMap<string, number>): RunLaneModel[] {
  const byRun = new Map<string, StreamEvent[]>();
  const acks = new Map<string, number>(ackTimes ?? []);
  const add = (e: StreamEvent) => {
    const ack = ackTimeOf(e);
    if (ack && !acks.has(ack.runId)) acks.set(ack.runId, ack.at);
    const runId = e.envelope.run_id;
    if (typeof runId !== 'string' || !isRunEvent(e)) return;
    const list = byRun.get(runId) ?? [];
    list.push(e);
    byRun.set(runId, list);
  };
  for (const list of Object.values(loaded)) list.forEach(add);
  live.forEach(add);
  const lanes: RunLaneModel[] = [];
  for (const [runId, list] of byRun) lanes.push(buildLane(runId, list, acks.get(runId)));
  return lanes.reverse();
}
