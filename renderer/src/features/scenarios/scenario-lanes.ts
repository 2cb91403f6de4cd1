/**
 * The runs a scenario run caused, as run-timeline lanes (run-model.ts): from the envelopes
 * received so far while it runs, or from a result's observed runs. Times are arrival times
 * (the scenario's start plus `at_ms`), so the gaps are what the client saw.
 */
import type { ObservedRun, ReceivedRecord } from '../../../../scenario/scenario-result.ts';
import type { StreamEvent } from '../live-events/index.ts';
import { buildRuns, type RunLaneModel } from '../timeline/index.ts';

function startMs(startedAt: string): number {
  const t = Date.parse(startedAt);
  return Number.isNaN(t) ? 0 : t;
}

/** Lanes from received envelopes, each under the scenario user key that received it. */
export function lanesFromReceived(received: readonly ReceivedRecord[], startedAt: string): RunLaneModel[] {
  const t0 = startMs(startedAt);
  const events: StreamEvent[] = received.map((r, i) => {
    const { timestamp: _ignored, ...envelope } = r.envelope as { type: string; timestamp?: unknown; [k: string]: unknown };
    return { key: i + 1, userId: r.user, receivedAt: Math.round(t0 + r.at_ms), envelope, source: 'live' };
  });
  return buildRuns(events, {});
}

/** Lanes from a result's observed runs (newest first, like the live timeline). */
export function lanesFromObservedRuns(runs: readonly ObservedRun[], startedAt: string): RunLaneModel[] {
  const t0 = startMs(startedAt);
  let key = 0;
  const events: StreamEvent[] = [];
  const acks = new Map<string, number>();
  for (const run of runs) {
    if (run.ack_at_ms !== undefined) acks.set(run.run_id, Math.round(t0 + run.ack_at_ms));
    for (const e of run.events) {
      events.push({
        key: ++key,
        userId: run.user,
        receivedAt: Math.round(t0 + e.at_ms),
        envelope: {
          type: e.type,
          run_id: run.run_id,
          ...(run.thread_id ? { thread_id: run.thread_id } : {}),
          ...(e.seq !== undefined ? { seq: e.seq } : {}),
          payload: e.payload,
        },
        source: 'live',
      });
    }
  }
  return buildRuns(events, {}, acks);
}
