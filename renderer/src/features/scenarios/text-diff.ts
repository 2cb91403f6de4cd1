/**
 * A line diff of two scenario texts (A → B) for the comparison: common lines, lines removed
 * from A and lines added in B, in order, with their line numbers; and hunks with a few lines
 * of context around each change, as `diff -u` shows them. The common start and end are
 * matched directly, the rest by a longest common subsequence (bounded: past LCS_CELLS the
 * middle is shown as removed then added).
 */
export type DiffKind = 'same' | 'added' | 'removed';

export interface DiffLine {
  kind: DiffKind;
  text: string;
  /** 1-based line in A (same, removed) and in B (same, added). */
  a?: number;
  b?: number;
}

const LCS_CELLS = 4_000_000;

export function diffLines(textA: string, textB: string): DiffLine[] {
  const a = textA.split('\n');
  const b = textB.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start += 1;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA -= 1;
    endB -= 1;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i += 1) out.push({ kind: 'same', text: a[i] as string, a: i + 1, b: i + 1 });
  const n = endA - start;
  const m = endB - start;
  if (n * m > LCS_CELLS) {
    for (let i = start; i < endA; i += 1) out.push({ kind: 'removed', text: a[i] as string, a: i + 1 });
    for (let j = start; j < endB; j += 1) out.push({ kind: 'added', text: b[j] as string, b: j + 1 });
  } else {
    // lengths of the LCS of a[i..] and b[j..], row by row from the end
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i -= 1) {
      for (let j = m - 1; j >= 0; j -= 1) {
        lcs[i * width + j] = a[start + i] === b[start + j] ? (lcs[(i + 1) * width + j + 1] as number) + 1 : Math.max(lcs[(i + 1) * width + j] as number, lcs[i * width + j + 1] as number);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({ kind: 'same', text: a[start + i] as string, a: start + i + 1, b: start + j + 1 });
        i += 1;
        j += 1;
      } else if (j < m && (i >= n || (lcs[i * width + j + 1] as number) > (lcs[(i + 1) * width + j] as number))) {
        out.push({ kind: 'added', text: b[start + j] as string, b: start + j + 1 });
        j += 1;
      } else {
        out.push({ kind: 'removed', text: a[start + i] as string, a: start + i + 1 });
        i += 1;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k += 1) out.push({ kind: 'same', text: a[endA + k] as string, a: endA + k + 1, b: endB + k + 1 });
  return out;
}

/** The changed lines with `context` common lines around each change; a gap between hunks is `null`. */
export function diffHunks(lines: readonly DiffLine[], context = 3): Array<DiffLine | null> {
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, i) => {
    if (l.kind === 'same') return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k += 1) keep[k] = 1;
  });
  const out: Array<DiffLine | null> = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (keep[i]) out.push(lines[i] as DiffLine);
    else if (out.length > 0 && out[out.length - 1] !== null) out.push(null);
  }
  if (out[out.length - 1] === null) out.pop();
  return out;
}
