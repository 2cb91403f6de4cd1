/** An envelope as the console received it: live from a user's connection, or loaded from history. */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

export interface StreamEvent {
  key: number;
  userId: string;
  receivedAt: number;
  envelope: ReceivedEnvelope;
  source: 'live' | 'history';
  /** Milliseconds since the previous event of the same run, by server timestamps (live events). */
  deltaMs?: number | undefined;
}

let nextKey = 1;

/** A key no other event has (live or loaded from history). */
export function nextEventKey(): number {
  return nextKey++;
}
