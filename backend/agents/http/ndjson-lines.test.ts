import { describe, expect, it } from 'vitest';
import { NdjsonLineError, NdjsonSplitter, type NdjsonLine } from './ndjson-lines.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function split(chunks: Uint8Array[], max?: number): NdjsonLine[] {
  const splitter = new NdjsonSplitter(max);
  const lines: NdjsonLine[] = [];
  for (const chunk of chunks) lines.push(...splitter.push(chunk));
  lines.push(...splitter.end());
  return lines;
}

describe('NdjsonSplitter', () => {
  it('splits on LF, drops a CR before it, skips blank lines but counts them, keeps a last line without LF', () => {
    expect(split([bytes('{"a":1}\r\n\n  \r\n{"b":2}\n{"c":3}')])).toEqual([
      { number: 1, text: '{"a":1}' },
      { number: 4, text: '{"b":2}' },
      { number: 5, text: '{"c":3}' },
    ]);
  });

  it('puts lines and UTF-8 characters cut across chunks back together, whatever the cut', () => {
    const text = '{"t":"héllo wörld ✓ 𝄞"}\r\n{"u":"日本語"}\n';
    const all = bytes(text);
    for (let cut = 1; cut < all.length; cut += 1) {
      expect(split([all.subarray(0, cut), all.subarray(cut)])).toEqual([
        { number: 1, text: '{"t":"héllo wörld ✓ 𝄞"}' },
        { number: 2, text: '{"u":"日本語"}' },
      ]);
    }
    // One byte at a time.
    expect(split([...all].map((b) => Uint8Array.of(b))).map((l) => l.text)).toEqual(['{"t":"héllo wörld ✓ 𝄞"}', '{"u":"日本語"}']);
  });

  it('fails a line longer than the limit as soon as it is seen, after yielding the lines before it', () => {
    const splitter = new NdjsonSplitter(10);
    const seen: string[] = [];
    let error: unknown;
    try {
      for (const line of splitter.push(bytes('0123456789\n0123456789'))) seen.push(line.text);
      for (const line of splitter.push(bytes('xx'))) seen.push(line.text);
    } catch (err) {
      error = err;
    }
    expect(seen).toEqual(['0123456789']);
    expect(error).toBeInstanceOf(NdjsonLineError);
    expect((error as NdjsonLineError).message).toBe('line 2 is longer than 10 bytes');
    // Exactly at the limit, with or without CR, is fine.
    expect(split([bytes('0123456789\r\n')], 10).map((l) => l.text)).toEqual(['0123456789']);
    expect(() => split([bytes('0123456789x\r\n')], 10)).toThrow('line 1 is longer than 10 bytes');
  });

  it('fails a line that is not UTF-8 with its number', () => {
    expect(() => split([bytes('{"a":1}\n'), Uint8Array.of(0x7b, 0xff, 0x7d, 0x0a)])).toThrow('line 2 is not valid UTF-8');
  });
});
