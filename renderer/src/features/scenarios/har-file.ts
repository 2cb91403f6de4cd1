/** HAR files in the browser: download a session as `.har`, read an uploaded one. */
import { harFromSession } from '../../../../scenario/har-exporter.ts';
import { sessionFromHar } from '../../../../scenario/har-importer.ts';
import type { RecordedSession } from '../../../../scenario/recorded-session.ts';

/** `Recorded session 2025-11-24 20:31:05` → `recorded-session-2025-11-24-20-31-05.har`. */
export function harFileName(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${slug || 'session'}.har`;
}

export function downloadHar(session: RecordedSession, name: string): void {
  const text = `${JSON.stringify(harFromSession(session), null, 2)}\n`;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = harFileName(name);
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The session in a HAR file's text, or why there is none. */
export function sessionFromHarText(text: string): { ok: true; session: RecordedSession } | { ok: false; error: string } {
  let har: unknown;
  try {
    har = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not a HAR file (invalid JSON: ${err instanceof Error ? err.message : String(err)})` };
  }
  return sessionFromHar(har);
}
