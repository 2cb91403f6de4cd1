/**
 * Collects what the console's users send and receive while recording into a RecordedSession
 * (scenario/recorded-session.ts): one session user per console user (its user id as
 * key), each message as the text that was sent, each envelope as received, with times in
 * milliseconds since the recording started.
 */
import type { TransportKind } from '../../../../client/flowscope-connection.ts';
import type { RecordedSession, RecordedUser } from '../../../../scenario/recorded-session.ts';
import type { ReceivedRecord, SentRecord } from '../../../../scenario/scenario-result.ts';
import type { Traffic } from './traffic.ts';

export class SessionCapture {
  private readonly users = new Map<string, RecordedUser>();
  private readonly sent: SentRecord[] = [];
  private readonly received: ReceivedRecord[] = [];

  constructor(
    private readonly target: string,
    private readonly startedAtMs: number,
    private readonly transportOf: (userId: string) => TransportKind,
    /** Users already connected when recording starts: part of the session even if they stay silent. */
    connected: readonly string[] = [],
  ) {
    for (const userId of connected) this.user(userId);
  }

  private user(userId: string): void {
    if (!this.users.has(userId)) this.users.set(userId, { key: userId, id: userId, transport: this.transportOf(userId) });
  }

  add(traffic: Traffic): void {
    this.user(traffic.userId);
    const at_ms = Math.max(0, traffic.at - this.startedAtMs);
    if (traffic.direction === 'sent') this.sent.push({ user: traffic.userId, at_ms, data: traffic.text });
    else this.received.push({ user: traffic.userId, at_ms, envelope: { ...traffic.envelope } });
  }

  get counts(): { users: number; sent: number; received: number } {
    return { users: this.users.size, sent: this.sent.length, received: this.received.length };
  }

  finish(): RecordedSession {
    return {
      target: this.target,
      started_at: new Date(this.startedAtMs).toISOString(),
      users: [...this.users.values()],
      sent: [...this.sent],
      received: [...this.received],
    };
  }
}
