import { describe, expect, it } from 'vitest';
import { yamlLineTokens, type YamlToken } from './yaml-tokens.ts';

/** The regular expression the highlighter used before (quadratic): the reference on short lines. */
const OLD = /(^\s*#.*$|\s#.*$)|("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|([A-Za-z_$][\w$.-]*(?=\s*:(?:\s|$)))|(\{\{[^{}]*\}\})/g;

function reference(line: string): YamlToken[] {
  const tokens: YamlToken[] = [];
  const re = new RegExp(OLD.source, 'g');
  for (let match = re.exec(line); match; match = re.exec(line)) {
    const kind = match[1] ? 'comment' : match[2] ? 'string' : match[3] ? 'key' : 'template';
    tokens.push({ kind, from: match.index, to: match.index + match[0].length });
  }
  return tokens;
}

const text = (line: string, tokens: YamlToken[]): string[] => tokens.map((t) => `${t.kind}:${line.slice(t.from, t.to)}`);

describe('yamlLineTokens', () => {
  it('marks keys, strings, templates and comments', () => {
    const line = `  - name: "say {{run.id}}" # why`;
    expect(text(line, yamlLineTokens(line))).toEqual(['key:name', 'string:"say {{run.id}}"', 'comment: # why']);
    expect(text('# only a comment', yamlLineTokens('# only a comment'))).toEqual(['comment:# only a comment']);
    expect(text("x: 'it''s' {{a}} {b}", yamlLineTokens("x: 'it''s' {{a}} {b}"))).toEqual(['key:x', "string:'it''s'", 'template:{{a}}']);
  });

  it('marks what the old expression marked, on tricky lines', () => {
    const lines = [
      '',
      'key: value',
      'key:value',
      'a.b-c$: 1',
      '1abc: x',
      'key  :  x',
      'key :',
      '"unclosed \\" still',
      '"a\\"b" : c',
      `'a''b`,
      `'''`,
      `x ''''' y`,
      '{{{x}}}',
      '{{a}b}} {{c}}',
      '{{ {{x}} }}',
      'a #b',
      'a#b',
      '\t# tab comment',
      'url: http://x#frag',
      'k: "x" # c: d',
      `"a\\\u2028" "b"`,
      'x \u2028# not a comment',
      '$ref: "#/defs"',
      '- { a: 1, \'b\': "c" }',
    ];
    for (const line of lines) expect(yamlLineTokens(line), JSON.stringify(line)).toEqual(reference(line));
  });

  it('marks what the old expression marked, on random lines of YAML-ish characters', () => {
    const alphabet = ['a', 'b', '1', '.', '-', '$', '_', ' ', '\t', ':', '#', '"', "'", '\\', '{', '}', 'x'];
    let seed = 17;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let n = 0; n < 10_000; n += 1) {
      let line = '';
      const length = Math.floor(random() * 32);
      for (let i = 0; i < length; i += 1) line += alphabet[Math.floor(random() * alphabet.length)];
      expect(yamlLineTokens(line), JSON.stringify(line)).toEqual(reference(line));
    }
  });

  // The old expression took seconds at 40,000 characters and grows with the square of the
  // length: each of these 1 MB lines would take hours. Here they take milliseconds; the
  // timeout is only a backstop (speed is measured in bench/console-bench.ts).
  it('tokenizes 1 MB unbroken lines in one pass', () => {
    const word = 'a'.repeat(1_000_000);
    expect(yamlLineTokens(word)).toEqual([]);
    expect(yamlLineTokens(`${word}: x`)).toEqual([{ kind: 'key', from: 0, to: 1_000_000 }]);
    expect(yamlLineTokens(`k: ${word}`)).toEqual([{ kind: 'key', from: 0, to: 1 }]);

    const quoted = `"${'\\"'.repeat(500_000)}`;
    expect(yamlLineTokens(quoted)).toEqual([]);
    const closed = `v: "${'b'.repeat(1_000_000)}"`;
    expect(yamlLineTokens(closed)).toEqual([
      { kind: 'key', from: 0, to: 1 },
      { kind: 'string', from: 3, to: closed.length },
    ]);

    const braces = `{{${'x'.repeat(999_998)}`;
    expect(yamlLineTokens(braces)).toEqual([]);
    const spaces = `a${' '.repeat(1_000_000)}b`;
    expect(yamlLineTokens(spaces)).toEqual([]);
    const keys = 'k: '.repeat(333_333);
    const tokens = yamlLineTokens(keys);
    expect(tokens).toHaveLength(333_333);
    expect(tokens[333_332]).toEqual({ kind: 'key', from: 999_996, to: 999_997 });
  }, 10_000);
});
