import { describe, expect, it } from 'vitest';
import { diffHunks, diffLines } from './text-diff.ts';

const kinds = (a: string, b: string) => diffLines(a, b).map((l) => `${l.kind === 'same' ? ' ' : l.kind === 'added' ? '+' : '-'}${l.text}`);

describe('diffLines', () => {
  it('same text: every line common, numbered on both sides', () => {
    expect(diffLines('a\nb', 'a\nb')).toEqual([
      { kind: 'same', text: 'a', a: 1, b: 1 },
      { kind: 'same', text: 'b', a: 2, b: 2 },
    ]);
  });

  it('a changed line is removed then added, in place; insertions and deletions keep the order', () => {
    expect(kinds('a\nb\nc', 'a\nB\nc')).toEqual([' a', '-b', '+B', ' c']);
    expect(kinds('a\nc', 'a\nb\nc\nd')).toEqual([' a', '+b', ' c', '+d']);
    expect(kinds('x\na\ny\nb', 'a\nb')).toEqual(['-x', ' a', '-y', ' b']);
    const added = diffLines('a\nc', 'a\nb\nc').find((l) => l.kind === 'added');
    expect(added).toEqual({ kind: 'added', text: 'b', b: 2 });
  });
});

describe('diffHunks', () => {
  it('keeps the context around changes and marks the gaps', () => {
    const a = Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n');
    const b = a.replace('l2\n', 'L2\n').replace('l17\n', 'L17\n');
    const hunks = diffHunks(diffLines(a, b), 1);
    expect(hunks.map((l) => (l === null ? '…' : l.text))).toEqual(['l1', 'l2', 'L2', 'l3', '…', 'l16', 'l17', 'L17', 'l18']);
    expect(diffHunks(diffLines(a, a))).toEqual([]);
  });
});
