/**
 * The scenario editor's light YAML highlighting, as a tokenizer: comments, keys, quoted
 * strings and `{{templates}}` of one line. One pass, linear in the line's length (a regular
 * expression did this before and went quadratic on a long unbroken word: 40,000 characters
 * took seconds, a 200,000-character HAR string froze the tab).
 *
 * It marks what this regular expression, applied left to right, marked:
 *   (^\s*#.*$|\s#.*$) | ("(?:[^"\\]|\\.)*"|'(?:[^']|'')*') | ([A-Za-z_$][\w$.-]*(?=\s*:(?:\s|$))) | (\{\{[^{}]*\}\})
 * so the highlighting is unchanged; each rule below says how it stays linear.
 */

export type YamlTokenKind = 'comment' | 'string' | 'key' | 'template';

export interface YamlToken {
  kind: YamlTokenKind;
  /** Offsets in the line: [from, to). */
  from: number;
  to: number;
}

const isSpace = (code: number): boolean =>
  code === 0x20 ||
  (code >= 0x09 && code <= 0x0d) ||
  code === 0xa0 ||
  code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) ||
  code === 0x2028 ||
  code === 0x2029 ||
  code === 0x202f ||
  code === 0x205f ||
  code === 0x3000 ||
  code === 0xfeff;
/** What `.` does not match. */
const isLineTerminator = (code: number): boolean => code === 0x0a || code === 0x0d || code === 0x2028 || code === 0x2029;
const isKeyStart = (code: number): boolean => (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f || code === 0x24;
const isKeyPart = (code: number): boolean => isKeyStart(code) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d;

/** The tokens of one line, in order, not overlapping. */
export function yamlLineTokens(line: string): YamlToken[] {
  const tokens: YamlToken[] = [];
  const length = line.length;
  // A comment runs to the end of the line only if no line terminator follows (`.*$`).
  let lastTerminator = -1;
  for (let i = length - 1; i >= 0; i -= 1) {
    if (isLineTerminator(line.charCodeAt(i))) {
      lastTerminator = i;
      break;
    }
  }
  // A double-quoted string that found no end from `q` finds none from any quote before
  // `doubleDeadUntil` either (it would scan the same characters in the same state).
  let doubleDeadUntil = -1;
  // A single-quoted string fails only when no quote follows: then none after it can succeed.
  let singleDead = false;
  // The key run containing the position, once measured: [keyRunFrom, keyRunEnd), and whether it is a key.
  let keyRunEnd = -1;
  let keyRunIsKey = false;
  // `{{` at p scans from p + 2 to the next brace; a failed scan fails the same way for every
  // `{{` whose scan starts at or before that brace.
  let templateDeadUntil = -1;

  let p = 0;
  // 1. `^\s*#.*$`
  {
    let i = 0;
    while (i < length && isSpace(line.charCodeAt(i))) i += 1;
    if (i < length && line.charCodeAt(i) === 0x23 && lastTerminator < i) return [{ kind: 'comment', from: 0, to: length }];
  }
  while (p < length) {
    const code = line.charCodeAt(p);
    // 1. `\s#.*$`
    if (isSpace(code) && p + 1 < length && line.charCodeAt(p + 1) === 0x23 && lastTerminator <= p) {
      tokens.push({ kind: 'comment', from: p, to: length });
      break;
    }
    // 2. quoted strings
    if (code === 0x22 && p > doubleDeadUntil) {
      const end = scanDouble(line, p);
      if (end > 0) {
        tokens.push({ kind: 'string', from: p, to: end });
        p = end;
        continue;
      }
      doubleDeadUntil = -end;
    } else if (code === 0x27 && !singleDead) {
      const end = scanSingle(line, p);
      if (end > 0) {
        tokens.push({ kind: 'string', from: p, to: end });
        p = end;
        continue;
      }
      singleDead = true;
    }
    // 3. a key: the whole run of key characters from here, then `\s*:` and a space or the end.
    if (isKeyStart(code)) {
      if (p >= keyRunEnd) {
        let end = p + 1;
        while (end < length && isKeyPart(line.charCodeAt(end))) end += 1;
        let after = end;
        while (after < length && isSpace(line.charCodeAt(after))) after += 1;
        keyRunEnd = end;
        keyRunIsKey = after < length && line.charCodeAt(after) === 0x3a && (after + 1 === length || isSpace(line.charCodeAt(after + 1)));
      }
      if (keyRunIsKey) {
        tokens.push({ kind: 'key', from: p, to: keyRunEnd });
        p = keyRunEnd;
        continue;
      }
    }
    // 4. `{{...}}` without braces inside
    if (code === 0x7b && p + 1 < length && line.charCodeAt(p + 1) === 0x7b && p + 2 > templateDeadUntil) {
      let i = p + 2;
      while (i < length) {
        const c = line.charCodeAt(i);
        if (c === 0x7b || c === 0x7d) break;
        i += 1;
      }
      if (i + 1 < length && line.charCodeAt(i) === 0x7d && line.charCodeAt(i + 1) === 0x7d) {
        tokens.push({ kind: 'template', from: p, to: i + 2 });
        p = i + 2;
        continue;
      }
      templateDeadUntil = i;
    }
    p += 1;
  }
  return tokens;
}

/** `"(?:[^"\\]|\\.)*"` from `start`: its end, or minus the offset where it failed. */
function scanDouble(line: string, start: number): number {
  let i = start + 1;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x22) return i + 1;
    if (c === 0x5c) {
      if (i + 1 >= line.length || isLineTerminator(line.charCodeAt(i + 1))) return -i;
      i += 2;
    } else {
      i += 1;
    }
  }
  return -line.length;
}

/**
 * `'(?:[^']|'')*'` from `start`, with the backtracking the expression does: `''` is an
 * escaped quote, but when no closing quote follows, the last `''` closes the string instead.
 * Its end, or 0 when there is no quote after `start` at all.
 */
function scanSingle(line: string, start: number): number {
  let i = start + 1;
  let lastPair = -1;
  while (i < line.length) {
    if (line.charCodeAt(i) !== 0x27) {
      i += 1;
    } else if (i + 1 < line.length && line.charCodeAt(i + 1) === 0x27) {
      lastPair = i;
      i += 2;
    } else {
      return i + 1;
    }
  }
  return lastPair === -1 ? 0 : lastPair + 1;
}
