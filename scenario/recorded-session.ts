/**
 * What one console session (or one scenario run, or one imported HAR) exchanged with a
 * backend: its users' connections, every message sent and every envelope received, with
 * times in milliseconds since the session started. The input of the recorder
 * (session-recorder.ts) and of the HAR exporter, the output of the HAR importer.
 */
import type { ReceivedRecord, ScenarioResult, SentRecord } from './scenario-result.ts';

export type SessionTransport = 'socketio' | 'ws';

export interface RecordedUser {
  /** The name the records use (`SentRecord.user`, `ReceivedRecord.user`). */
  key: string;
  /** The user id (the token's `sub`). */
  id: string;
  transport: SessionTransport;
}

export interface RecordedSession {
  /** Backend base URL, e.g. http://127.0.0.1:8000 */
  target: string;
  /** ISO-8601; every `at_ms` counts from here. */
  started_at: string;
  users: RecordedUser[];
  sent: SentRecord[];
  received: ReceivedRecord[];
}

/**
 * The session a scenario run amounts to. A result does not say which transport each user
 * had: pass it (one for all, or per user key); default socketio.
 */
export function sessionFromResult(result: ScenarioResult, transport: SessionTransport | Record<string, SessionTransport> = 'socketio'): RecordedSession {
  const transportOf = (key: string): SessionTransport => (typeof transport === 'string' ? transport : (transport[key] ?? 'socketio'));
  const users: RecordedUser[] = Object.entries(result.users).map(([key, u]) => ({ key, id: u.id, transport: transportOf(key) }));
  // Records of a user the result does not list (should not happen) still get a user.
  for (const rec of [...result.sent, ...result.received]) {
    if (!users.some((u) => u.key === rec.user)) users.push({ key: rec.user, id: rec.user, transport: transportOf(rec.user) });
  }
  return {
    target: result.target,
    started_at: result.started_at,
    users,
    sent: result.sent.map((s) => ({ ...s })),
    received: result.received.map((r) => ({ ...r })),
  };
}
