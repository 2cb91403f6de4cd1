import { describe, expect, it } from 'vitest';
import { checkSaveAsName, slugOf, suggestSaveAsName } from './save-as-name.ts';

const library = [
  { id: 'mine', source: 'saved' as const },
  { id: 'smoke', source: 'builtin' as const },
];

describe('checkSaveAsName', () => {
  it('a new name is the id', () => {
    expect(checkSaveAsName('  my-flow_v2.1 ', library)).toEqual({ ok: true, id: 'my-flow_v2.1', replaces: false });
  });

  it('refuses empty names, path separators and other characters, each with its reason', () => {
    expect(checkSaveAsName(' ', library)).toEqual({ ok: false, error: 'Give the scenario a name.' });
    expect(checkSaveAsName('golden/x', library)).toEqual({ ok: false, error: 'A name has no path separators (/ or \\).', suggestion: 'golden-x' });
    expect(checkSaveAsName('a\\b', library)).toMatchObject({ ok: false, error: expect.stringContaining('path separators') });
    expect(checkSaveAsName('My Flow', library)).toMatchObject({ ok: false, error: expect.stringContaining('lowercase') });
    expect(checkSaveAsName('a..b', library)).toMatchObject({ ok: false, error: expect.stringContaining('..') });
    expect(checkSaveAsName('x'.repeat(201), library)).toMatchObject({ ok: false });
  });

  it('an existing saved name replaces it (once confirmed); a built-in name is refused', () => {
    expect(checkSaveAsName('mine', library)).toEqual({ ok: true, id: 'mine', replaces: true });
    expect(checkSaveAsName('smoke', library)).toMatchObject({ ok: false, error: expect.stringContaining('built-in') });
  });
});

describe('suggestSaveAsName', () => {
  it("a saved or built-in scenario: the id's last segment with -copy", () => {
    expect(suggestSaveAsName('golden/complete-flow', 'Complete flow')).toBe('complete-flow-copy');
    expect(suggestSaveAsName('mine', 'Mine')).toBe('mine-copy');
  });

  it('a scenario never saved: its name made an id, without -copy', () => {
    expect(suggestSaveAsName(null, 'My Flow: v2!')).toBe('my-flow-v2');
    expect(suggestSaveAsName(null, '!!!')).toBe('scenario');
  });

  it('a name already taken gets -2, -3, …', () => {
    expect(suggestSaveAsName('mine', 'Mine', ['mine', 'mine-copy'])).toBe('mine-copy-2');
    expect(suggestSaveAsName(null, 'Mine', ['mine', 'mine-2'])).toBe('mine-3');
  });
});

describe('an invalid name is offered made an id', () => {
  it('My Flow → my-flow, with the reason kept', () => {
    expect(checkSaveAsName('My Flow', library)).toEqual({
      ok: false,
      error: 'Use lowercase letters, digits, ".", "_" and "-", starting with a letter or digit (no "..").',
      suggestion: 'my-flow',
    });
    expect(checkSaveAsName('-a..b-', library)).toMatchObject({ ok: false, suggestion: 'a.b' });
  });

  it('no offer when nothing usable is left, or when the offer is a built-in', () => {
    expect(checkSaveAsName('!!!', library)).not.toHaveProperty('suggestion');
    expect(checkSaveAsName('Smoke', library)).not.toHaveProperty('suggestion');
  });

  it('slugOf keeps at most 200 characters and never ends on punctuation', () => {
    expect(slugOf(`${'a'.repeat(199)} b`)).toBe('a'.repeat(199));
    expect(slugOf('Ünïcode Name')).toBe('unicode-name');
  });
});
