import { describe, expect, it } from 'vitest';
import { createConfirmGate, hasUnsavedChanges, unsavedLabel, type DiscardPrompt, type UnsavedDoc } from './unsaved-changes.ts';

const saved: UnsavedDoc = { id: 'my-flow', text: 'name: A\n', savedText: 'name: A\n', origin: 'library' };

describe('unsaved changes', () => {
  it('are edits since opened or saved, and a recording never saved', () => {
    expect(hasUnsavedChanges(null)).toBe(false);
    expect(hasUnsavedChanges(saved)).toBe(false);
    expect(hasUnsavedChanges({ ...saved, text: 'name: B\n' })).toBe(true);
    expect(hasUnsavedChanges({ id: null, text: 'x', savedText: 'x', origin: 'new' })).toBe(false);
    expect(hasUnsavedChanges({ id: null, text: 'x', savedText: 'x', origin: 'har' })).toBe(false);
    expect(hasUnsavedChanges({ id: null, text: 'x', savedText: 'x', origin: 'recording' })).toBe(true);
    expect(hasUnsavedChanges({ id: null, text: 'y', savedText: 'x', origin: 'new' })).toBe(true);
  });

  it('name the scenario by id, else by its name', () => {
    expect(unsavedLabel(saved)).toBe('my-flow');
    expect(unsavedLabel({ id: null, text: 'name: Draft\n', savedText: '', origin: 'new' })).toBe('Draft');
    expect(unsavedLabel({ id: null, text: 'name: [', savedText: '', origin: 'new' })).toBe('the new scenario');
  });

  it('ask before discarding: the answer resolves the prompt, a newer prompt keeps the older', async () => {
    const shown: Array<DiscardPrompt | null> = [];
    const gate = createConfirmGate((p) => shown.push(p));
    const first = gate.ask({ label: 'a' });
    const second = gate.ask({ label: 'b' });
    expect(await first).toBe(false);
    gate.answer(true);
    expect(await second).toBe(true);
    const third = gate.ask({ label: 'c' });
    gate.answer(false);
    expect(await third).toBe(false);
    expect(shown).toEqual([{ label: 'a' }, { label: 'b' }, null, { label: 'c' }, null]);
  });
});
