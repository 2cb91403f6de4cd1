/**
 * The live event log as a file: JSON lines (one `{at, direction, user_id, ...}` per frame sent
 * or received, oldest first), or HAR 1.2 through the scenario exporter (a recorded session
 * built from the same traffic, so it opens in DevTools and imports back as a scenario).
 */
import type { TransportKind } from '../../../../client/flowscope-connection.ts';
import { harFromSession } from '../../../../scenario/har-exporter.ts';
import { SessionCapture, type Traffic } from '../users/index.ts';

export function liveLogJsonLines(traffic: readonly Traffic[]): string {
  return traffic
    .map((t) =>
      JSON.stringify(
        t.direction === 'sent'
          ? { at: new Date(t.at).toISOString(), direction: 'sent', user_id: t.userId, text: t.text }
          : { at: new Date(t.at).toISOString(), direction: 'received', user_id: t.userId, envelope: t.envelope },
      ),
    )
    .map((line) => `${line}\n`)
    .join('');
}

export function liveLogHar(traffic: readonly Traffic[], target: string, transportOf: (userId: string) => TransportKind): string {
  const start = traffic[0]?.at ?? Date.now();
  const capture = new SessionCapture(target, start, transportOf);
  for (const t of traffic) capture.add(t);
  return `${JSON.stringify(harFromSession(capture.finish()), null, 2)}\n`;
}

export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
