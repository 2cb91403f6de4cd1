/**
 * A run's stage latencies for its lane, by the one definition the runner and `flowscope load`
 * use (scenario/run-stages.ts): queue wait (ack → agent_started), time to first thinking, each
 * tool's duration, total. Times are the lane's (server timestamps; arrival time without one).
 */
import { runStages, type RunStages } from '../../../../scenario/run-stages.ts';
import type { StreamEvent } from '../live-events/index.ts';

export type { RunStages } from '../../../../scenario/run-stages.ts';

export function stagesOfLane(events: ReadonlyArray<{ event: StreamEvent; at: number }>, ackAt?: number): RunStages {
  return runStages(
    events.map(({ event, at }) => ({
      type: event.envelope.type,
      at_ms: at,
      seq: typeof event.envelope.seq === 'number' ? event.envelope.seq : undefined,
      payload: event.envelope.payload,
    })),
    { ack_at_ms: ackAt },
  );
}
