/**
 * Where in the text JSON.parse gave up, from its message (V8: `... at position 52 (line 1
 * column 53)`; `Unexpected end of JSON input` is the end of the text). Null when it says not.
 */
export function jsonErrorPosition(text: string, reason: string): number | null {
  const at = /at position (\d+)/.exec(reason);
  if (at) return Math.min(text.length, Number(at[1]));
  const lc = /line (\d+) column (\d+)/.exec(reason);
  if (lc) {
    const lines = text.split('\n');
    const line = Math.min(lines.length, Number(lc[1]));
    let pos = 0;
    for (let i = 0; i < line - 1; i++) pos += lines[i]!.length + 1;
    return Math.min(text.length, pos + Number(lc[2]) - 1);
  }
  if (/end of (JSON|data)|Unterminated/i.test(reason)) return text.length;
  return null;
}

/** The range to underline for an error at `pos`: the character there, or the last one at the end. */
export function errorRange(text: string, pos: number): { from: number; to: number } {
  if (text.length === 0) return { from: 0, to: 0 };
  if (pos >= text.length) return { from: text.length - 1, to: text.length };
  return { from: pos, to: pos + 1 };
}
