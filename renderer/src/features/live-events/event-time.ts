/**
 * One time base for every view of a run: the server's `timestamp` of each event. Durations
 * (the live list's delta, the lanes' gaps, the stage latencies) are differences of these, so
 * the same two events show the same number of milliseconds everywhere. The receive time is
 * kept beside it (when the console got the event) and shown separately.
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

/** The envelope's server timestamp in ms since the epoch; null when it has none that parses. */
export function serverTimeOf(env: ReceivedEnvelope): number | null {
  const ts = env.timestamp;
  const parsed = typeof ts === 'string' ? Date.parse(ts) : Number.NaN;
  return Number.isNaN(parsed) ? null : parsed;
}

/**
 * The time an event happened: its server timestamp, or when it was received when it has none.
 * The timestamp is read once per event, when it is made (`serverAt`; a cache by envelope was
 * a weak-map look-up per call, thousands a second in a flood); without it, from the envelope.
 */
export function eventTimeOf(e: { envelope: ReceivedEnvelope; receivedAt: number; serverAt?: number | null | undefined }): number {
  const at = e.serverAt === undefined ? serverTimeOf(e.envelope) : e.serverAt;
  return at ?? e.receivedAt;
}

/**
 * The per-run delta of the live list: milliseconds since the previous event of the same run,
 * by server time. `last` remembers each run's previous time (bounded to `cap` runs).
 */
export function runDelta(last: Map<string, number>, runId: string | null, at: number, cap = 50_000): number | undefined {
  if (runId === null) return undefined;
  const prev = last.get(runId);
  last.set(runId, at);
  if (last.size > cap) last.delete(last.keys().next().value!);
  return prev === undefined ? undefined : at - prev;
}
