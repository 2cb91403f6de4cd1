/**
 * What the users' connections sent and received, as it happens: for the session recorder (a
 * listener) and the live log export (the bounded log since the console opened).
 */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

/** What a user's connection sent or received, as it happens (for the session recorder). */
export type Traffic =
  | { direction: 'sent'; userId: string; at: number; text: string; /** The serial of the connection it went on. */ connection?: number }
  | { direction: 'received'; userId: string; at: number; envelope: ReceivedEnvelope };

const MAX_TRAFFIC = 20_000;
const trafficListeners = new Set<(traffic: Traffic) => void>();
/** Everything sent and received, for the live log export (bounded). */
let traffic: Traffic[] = [];

export function onTraffic(listener: (traffic: Traffic) => void): () => void {
  trafficListeners.add(listener);
  return () => trafficListeners.delete(listener);
}

/** Records what a connection sent or received and tells the listeners. */
export function tap(t: Traffic): void {
  traffic.push(t);
  if (traffic.length > MAX_TRAFFIC * 1.25) traffic = traffic.slice(traffic.length - MAX_TRAFFIC);
  for (const l of trafficListeners) l(t);
}

/** What was sent and received since the console opened (or the log was cleared), oldest first, bounded. */
export function trafficLog(): readonly Traffic[] {
  return traffic.length > MAX_TRAFFIC ? traffic.slice(traffic.length - MAX_TRAFFIC) : traffic;
}
