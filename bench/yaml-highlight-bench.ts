/**
 * `npx tsx bench/yaml-highlight-bench.ts`: the scenario editor's YAML highlighting on one long
 * unbroken line (issue 17, defect 9). The regular expression it used before against the
 * tokenizer it uses now (renderer/src/ui/yaml-tokens.ts): milliseconds per line by length.
 * The old expression is quadratic, so it is only run up to 40,000 characters. Reports;
 * asserts nothing.
 */
import { yamlLineTokens } from '../renderer/src/ui/yaml-tokens.ts';

const OLD = /(^\s*#.*$|\s#.*$)|("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|([A-Za-z_$][\w$.-]*(?=\s*:(?:\s|$)))|(\{\{[^{}]*\}\})/g;

function oldTokens(line: string): number {
  const re = new RegExp(OLD.source, 'g');
  let count = 0;
  for (let match = re.exec(line); match; match = re.exec(line)) count += 1;
  return count;
}

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

const shapes: Record<string, (n: number) => string> = {
  'one word': (n) => 'a'.repeat(n),
  'escaped quotes, unclosed': (n) => `"${'\\"'.repeat(Math.floor(n / 2))}`,
  'key: value pairs': (n) => 'k: '.repeat(Math.floor(n / 3)),
};

console.log('shape                     length      old (ms)   new (ms)');
for (const [name, make] of Object.entries(shapes)) {
  for (const length of [10_000, 20_000, 40_000, 1_000_000, 10_000_000]) {
    const line = make(length);
    yamlLineTokens(line); // warm up
    const now = time(() => yamlLineTokens(line));
    const before = length <= 40_000 ? time(() => oldTokens(line)).toFixed(1) : '(skipped)';
    console.log(`${name.padEnd(25)} ${String(length).padStart(10)}  ${before.padStart(10)} ${now.toFixed(1).padStart(10)}`);
  }
}
