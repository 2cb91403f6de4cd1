import { describe, expect, it } from 'vitest';
import { errorRange, jsonErrorPosition } from './json-error-position.ts';

const reasonOf = (text: string) => {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('jsonErrorPosition', () => {
  it('finds where the parser stopped', () => {
    const text = '{"type": "ping" "x": 1}';
    expect(jsonErrorPosition(text, reasonOf(text))).toBe(16);
    expect(jsonErrorPosition('{"a":\n  x}', 'Unexpected token in JSON (line 2 column 3)')).toBe(8);
  });
  it('puts the end of the text at its end', () => {
    const text = '{"type": "user_message", "payload": {"content": "oops"';
    expect(jsonErrorPosition(text, reasonOf(text))).toBe(text.length);
    expect(jsonErrorPosition(text, 'Unexpected end of JSON input')).toBe(text.length);
    expect(errorRange(text, text.length)).toEqual({ from: text.length - 1, to: text.length });
  });
  it('is null when the message says nothing about a place', () => {
    expect(jsonErrorPosition('{}', 'nested deeper than 64 levels')).toBeNull();
  });
});
