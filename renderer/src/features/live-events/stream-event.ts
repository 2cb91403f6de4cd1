/** An envelope as the console received it: live from a user's connection, or loaded from history. */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

export interface StreamEvent {
  key: number;
  userId: string;
  receivedAt: number;
  envelope: ReceivedEnvelope;
  source: 'live' | 'history';
  /**
   * The envelope's server timestamp (ms since the epoch; null when it has none that parses),
   * read once when the event is made (see event-time.ts); absent: read from the envelope.
   */
  serverAt?: number | null | undefined;
  /** Milliseconds since the previous event of the same run, by server timestamps (live events). */
  deltaMs?: number | undefined;
}

let nextKey = 1;

/** A key no other event has (live or loaded from history). */
export function nextEventKey(): number {
  return nextKey++;
}
