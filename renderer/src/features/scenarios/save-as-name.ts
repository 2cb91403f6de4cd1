/**
 * The name "Save as" asks for: it becomes the saved scenario's id, one file in the library's
 * folder, so it has no path separators and uses the library's id characters
 * (backend/scenarios/scenario-library.ts: `[a-z0-9][a-z0-9._-]*`). An existing saved name is
 * replaced only once the user confirms; a built-in one never.
 */
import type { ScenarioSummary } from '../../../../protocol/index.ts';

export type SaveAsCheck = { ok: true; id: string; replaces: boolean } | { ok: false; error: string; suggestion?: string };

const MAX_NAME = 200;
const NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** `text` made an id: lowercase, runs of other characters as one `-`, no leading or trailing punctuation ('' when nothing is left). */
export function slugOf(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .slice(0, MAX_NAME)
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

/**
 * A first suggestion that is free in `taken`: for a saved or built-in scenario its id's last
 * segment with `-copy`; for one never saved, its name made an id. A taken one gets `-2`, `-3`….
 */
export function suggestSaveAsName(id: string | null, name: string, taken: readonly string[] = []): string {
  const base = id ? `${slugOf(id.split('/').pop() ?? '') || 'scenario'}-copy` : slugOf(name) || 'scenario';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

export function checkSaveAsName(input: string, library: readonly Pick<ScenarioSummary, 'id' | 'source'>[]): SaveAsCheck {
  const name = input.trim();
  if (!name) return { ok: false, error: 'Give the scenario a name.' };
  const existing = (id: string) => library.find((s) => s.id === id);
  // A name that only breaks the character rules is offered made an id (`My Flow` → `my-flow`).
  const offer = (): { suggestion?: string } => {
    const slug = slugOf(name);
    return slug && slug !== name && existing(slug)?.source !== 'builtin' ? { suggestion: slug } : {};
  };
  if (/[/\\]/.test(name)) return { ok: false, error: 'A name has no path separators (/ or \\).', ...offer() };
  if (name.length > MAX_NAME) return { ok: false, error: `At most ${MAX_NAME} characters.` };
  if (!NAME.test(name) || name.includes('..'))
    return { ok: false, error: 'Use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit (no "..").', ...offer() };
  const found = existing(name);
  if (found?.source === 'builtin') return { ok: false, error: `"${name}" is a built-in scenario: pick another name.` };
  return { ok: true, id: name, replaces: found !== undefined };
}
