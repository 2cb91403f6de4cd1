/**
 * Groups events into runs for the timeline: one lane per run_id, events in seq order. Only the
 * five run events count; an event whose seq the run already has (a resume replay, a history load
 * of a live run) is dropped, the first copy kept.
 */
import { GOLDEN_PATH_EVENTS, RUN_EVENT_TYPES } from '../../../../protocol/index.ts';
import type { StreamEvent } from '../live-events/index.ts';
import { stagesOfLane, type RunStages } from './lane-stages.ts';

export interface RunLaneModel {
  runId: string;
  userId: string;
  events: Array<{ event: StreamEvent; at: number }>;
  seen: Record<string, boolean>;
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

export function timeOf(e: StreamEvent): number {
  const ts = e.envelope.timestamp;
  const parsed = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(parsed) ? e.receivedAt : parsed;
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
