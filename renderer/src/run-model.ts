/**
 * Groups events into runs for the timeline: one lane per run_id, events in seq order. Only the
 * five run events count; an event whose seq the run already has (a resume replay, a history load
 * of a live run) is dropped, the first copy kept.
 */
import { RUN_EVENT_TYPES } from '../../protocol/index.ts';
import type { StreamEvent } from './console-store.ts';

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

function timeOf(e: StreamEvent): number {
  const ts = e.envelope.timestamp;
  const parsed = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(parsed) ? e.receivedAt : parsed;
}

export function buildRuns(live: StreamEvent[], loaded: Record<string, StreamEvent[]>): RunLaneModel[] {
  const byRun = new Map<string, StreamEvent[]>();
  const add = (e: StreamEvent) => {
    const runId = e.envelope.run_id;
    if (typeof runId !== 'string' || !(RUN_EVENT_TYPES as readonly string[]).includes(e.envelope.type)) return;
    const list = byRun.get(runId) ?? [];
    const seq = e.envelope.seq;
    if (typeof seq === 'number' && list.some((x) => x.envelope.seq === seq)) return;
    list.push(e);
    byRun.set(runId, list);
  };
  for (const list of Object.values(loaded)) list.forEach(add);
  live.forEach(add);

  const lanes: RunLaneModel[] = [];
  for (const [runId, list] of byRun) {
    list.sort((a, b) => (Number(a.envelope.seq) || 0) - (Number(b.envelope.seq) || 0));
    const seen: Record<string, boolean> = {};
    for (const t of RUN_EVENT_TYPES) seen[t] = list.some((e) => e.envelope.type === t);
    const done = list.find((e) => e.envelope.type === 'agent_completed');
    const payload = (done?.envelope.payload ?? {}) as { status?: string; response?: string | null; error?: string | null };
    const status = payload.status ?? 'running';
    lanes.push({
      runId,
      userId: list[0]?.userId ?? '?',
      events: list.map((event) => ({ event, at: timeOf(event) })),
      seen,
      status,
      response: payload.response ?? null,
      error: payload.error ?? null,
      flagged: isBadStatus(status),
      source: list.every((e) => e.source === 'history') ? 'history' : 'live',
    });
  }
  return lanes.reverse();
}
