/**
 * Recording the live console session: while on, every message the console's users send and
 * every envelope they receive is captured (session-capture.ts). Stop turns the session into a
 * scenario (scenario/session-recorder.ts) opened in the scenario editor, unsaved. When
 * the open scenario has unsaved changes and those are kept, the recording waits: "Open
 * recording" opens it later.
 */
import type { RecordedSession } from '../../../../scenario/recorded-session.ts';
import { scenarioFromSession } from '../../../../scenario/session-recorder.ts';
import { createExternalStore } from '../../ui/external-store.ts';
import { scenarioActions, scenarioToYaml } from '../scenarios/index.ts';
import { getConnections, onTraffic, SessionCapture } from '../users/index.ts';

export interface RecordingState {
  recording: boolean;
  startedAt: number | null;
  counts: { users: number; sent: number; received: number };
  /** The last finished recording. */
  session: RecordedSession | null;
  /** The last recording has not been opened in the editor yet (its opening was declined). */
  unopened: boolean;
  error: string | null;
}

export const recordingStore = createExternalStore<RecordingState>({
  recording: false,
  startedAt: null,
  counts: { users: 0, sent: 0, received: 0 },
  session: null,
  unopened: false,
  error: null,
});

let capture: SessionCapture | null = null;
let unsubscribe: (() => void) | null = null;
let frame: number | null = null;

function showCounts(): void {
  frame = null;
  if (capture) recordingStore.set({ counts: capture.counts });
}

/** `Recorded session 2025-11-24 20:31:05` (local time). */
export function recordingName(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `Recorded session ${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())} ${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
}

export const recordingActions = {
  start(): void {
    if (capture) return;
    const { baseUrl, users } = getConnections();
    const startedAt = Date.now();
    const transportOf = (userId: string) => getConnections().users.find((u) => u.userId === userId)?.transport ?? 'socketio';
    const connected = users.filter((u) => u.state === 'open').map((u) => u.userId);
    const current = new SessionCapture(baseUrl, startedAt, transportOf, connected);
    capture = current;
    unsubscribe = onTraffic((traffic) => {
      current.add(traffic);
      if (frame === null) frame = requestAnimationFrame(showCounts);
    });
    recordingStore.set({ recording: true, startedAt, counts: current.counts, unopened: false, error: null });
  },

  /** Stops and opens the recorded scenario in the editor. */
  stop(): void {
    if (!capture) return;
    unsubscribe?.();
    unsubscribe = null;
    if (frame !== null) cancelAnimationFrame(frame);
    frame = null;
    const session = capture.finish();
    capture = null;
    recordingStore.set({ recording: false, startedAt: null, session, unopened: true });
    void recordingActions.openLast();
  },

  /** Opens the last recording in the editor (asking first when the open scenario has unsaved changes). */
  async openLast(): Promise<void> {
    const session = recordingStore.get().session;
    if (!session) return;
    let text: string;
    try {
      const startedAt = new Date(session.started_at);
      text = scenarioToYaml(scenarioFromSession(session, { name: recordingName(Number.isNaN(startedAt.getTime()) ? new Date() : startedAt) }));
    } catch (err) {
      recordingStore.set({ unopened: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    const opened = await scenarioActions.openUnsaved(text, 'recording', session);
    if (recordingStore.get().session === session) recordingStore.set({ unopened: !opened });
  },
};
