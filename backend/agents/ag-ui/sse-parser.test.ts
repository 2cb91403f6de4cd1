import { describe, expect, it } from 'vitest';
import { SseParseError, SseParser } from './sse-parser.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every event of `parts` fed one after the other, then the end. */
function parseAll(parts: Array<string | Uint8Array>, max = 1024) {
  const parser = new SseParser(max);
  const out = parts.flatMap((part) => [...parser.push(typeof part === 'string' ? bytes(part) : part)]);
  return [...out, ...parser.end()];
}

describe('SseParser', () => {
  it('joins multi-line data with LF, keeps event and id, skips comments and events without data', () => {
    const events = parseAll([': hello\n\nevent: update\nid: 4\ndata: a\ndata:b\ndata\n\nid: 5\n\ndata: next\n\n']);
    expect(events).toEqual([
      { event: 'update', data: 'a\nb\n', id: '4', number: 1 },
      { event: 'message', data: 'next', id: '5', number: 2 },
    ]);
  });

  it('takes CRLF, CR and LF line ends, also a CRLF split across chunks, and a leading BOM', () => {
    const events = parseAll(['\ufeffdata: one\r', '\n\r', '\ndata: two\r\rdata: three\n\n']);
    expect(events.map((e) => e.data)).toEqual(['one', 'two', 'three']);
  });

  it('puts back a UTF-8 character cut across chunks and refuses invalid UTF-8', () => {
    const all = bytes('data: h\u00e9 \ud83d\ude00\n\n');
    const events = parseAll([all.subarray(0, 9), all.subarray(9, 12), all.subarray(12)]);
    expect(events[0]?.data).toBe('h\u00e9 \ud83d\ude00');
    expect(() => parseAll([new Uint8Array([0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a])])).toThrow(SseParseError);
  });

  it('drops an event not ended by a blank line at the end, and refuses one longer than the limit', () => {
    expect(parseAll(['data: complete\n\ndata: cut'])).toHaveLength(1);
    expect(() => parseAll(['data: ' + 'x'.repeat(50) + '\n\n'], 20)).toThrow('event 1 is longer than 20 characters');
    expect(() => parseAll(['data: ' + 'x'.repeat(50)], 20)).toThrow(SseParseError);
  });
});
