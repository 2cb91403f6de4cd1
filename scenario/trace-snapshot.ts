/**
 * Golden trace snapshots (`expect_snapshot`): a run's events normalized so that what differs
 * from run to run does not count, written as stable JSON (sorted keys, one event per line), and
 * compared with the stored file: the first differing path, and a line diff of the events.
 *
 * Normalization, in order:
 * 1. `ignore` paths: a string path's value becomes `<ignored>`; `{path, match}` checks the
 *    value against a pattern (scenario/pattern-matcher.ts) and becomes `<matched>` (a value
 *    that does not match is kept, so the comparison shows it).
 * 2. ids: the values of `run_id`, `thread_id`, `message_id`, `call_id` and `user_id` become
 *    first-seen placeholders per kind (`<run:1>`, `<call:2>`), and the same id anywhere else
 *    (any value, or inside text, when it has 8 characters or more) becomes the same
 *    placeholder, so references stay intact.
 * 3. timestamps (`timestamp`, any ISO 8601 date-time string) become `<time>`; numbers under a
 *    key ending in `_ms` become `<ms>`. `seq` is kept.
 *
 * A path is relative to each event: dot-separated keys, `*` for any key or index, a number for
 * an array index; a first segment that is an event type limits it to that type
 * (`agent_thinking.payload.thought`, `tool_completed.payload.result.*`).
 */
import { RUN_EVENT_TYPES } from '../protocol/index.ts';
import { matches, mismatches } from './pattern-matcher.ts';

export const SNAPSHOT_FORMAT_VERSION = 1;
export const SNAPSHOT_DIR = '__snapshots__';

export type SnapshotIgnore = string | { path: string; match: unknown };

export type SnapshotEvent = Record<string, unknown>;

export interface SnapshotDocument {
  flowscope_snapshot: number;
  scenario: string;
  name: string;
  events: SnapshotEvent[];
}

/** What an expect_snapshot step found, on its StepResult (reports and the console's diff panel). */
export interface SnapshotOutcome {
  /** The snapshot's name and where it is (`pack/__snapshots__/flow.tools.json`). */
  name: string;
  file: string;
  /** matched; written (was missing, written now); updated (differed, rewritten by --update-snapshots); missing (CI, or not writable); mismatch. */
  outcome: 'matched' | 'written' | 'updated' | 'missing' | 'mismatch';
  /** The file's text now (what a passing run would have written). */
  received: string;
  /** The stored text, when there was one. */
  expected?: string;
  /** For a mismatch: the first differing path, with both values. */
  first_difference?: { path: string; expected: string; received: string };
  /** For a mismatch: the line diff (`- ` expected, `+ ` received, `  ` context). */
  diff?: string[];
}

const ID_KINDS: Record<string, string> = { run_id: 'run', thread_id: 'thread', message_id: 'message', call_id: 'call', user_id: 'user' };
/** An id shorter than this is replaced only under an id key (`call_id`), not in other values or inside text. */
const MIN_EMBEDDED_ID = 8;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const RUN_TYPES: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Replaces the value at each place `segments` reaches under `node` with `replace(value)`.
 * Returns whether the path reached anything: a value, or an object or array that a `*` found empty.
 */
function visitPath(node: unknown, segments: readonly string[], replace: (value: unknown) => unknown): boolean {
  const [head, ...rest] = segments;
  if (head === undefined || node === null || typeof node !== 'object') return false;
  const container = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(container) : Object.hasOwn(container, head) ? [head] : [];
  let reached = head === '*' && keys.length === 0;
  for (const key of keys) {
    if (rest.length === 0) {
      container[key] = replace(container[key]);
      reached = true;
    } else if (visitPath(container[key], rest, replace)) reached = true;
  }
  return reached;
}

/** Checks an ignore path's syntax; the message says what is wrong, undefined when fine. */
export function checkSnapshotPath(path: string): string | undefined {
  if (path.trim() === '') return 'an empty path';
  if (path.split('.').some((s) => s === '')) return `"${path}": an empty segment (paths are dot-separated keys, * or indexes)`;
  return undefined;
}

function pathSegments(path: string): { type: string | undefined; segments: string[] } {
  const parts = path.split('.');
  const first = parts[0] ?? '';
  return RUN_TYPES.has(first) ? { type: first, segments: parts.slice(1) } : { type: undefined, segments: parts };
}

/** Step 1: ignore and match paths. Returns the problems of `{path, match}` entries whose value does not match. */
function applyIgnores(events: SnapshotEvent[], ignore: readonly SnapshotIgnore[]): string[] {
  const problems: string[] = [];
  for (const entry of ignore) {
    const path = typeof entry === 'string' ? entry : entry.path;
    const { type, segments } = pathSegments(path);
    let reached = 0;
    events.forEach((event, index) => {
      if (type !== undefined && event.type !== type) return;
      if (segments.length === 0) return;
      const found = visitPath(event, segments, (value) => {
        if (typeof entry === 'string') return '<ignored>';
        if (matches(entry.match, value)) return '<matched>';
        const m = mismatches(entry.match, value)[0];
        problems.push(
          `events[${index}] ${path}: ${m ? `${m.path && m.path !== '(value)' ? `${m.path}: ` : ''}expected ${m.expected}, received ${m.received}` : 'does not match'}`,
        );
        return value;
      });
      if (found) reached++;
    });
    // A path that reaches nothing is almost always a typo: it would silently ignore nothing.
    if (reached === 0) {
      const types = [...new Set(events.map((e) => String(e.type)))].join(', ');
      problems.push(`ignore "${path}" reaches no value in the run's ${events.length} events (types: ${types || 'none'})`);
    }
  }
  return problems;
}

function walk(node: unknown, visit: (key: string | undefined, value: unknown) => unknown): unknown {
  if (Array.isArray(node)) return node.map((v) => walk(visit(undefined, v), visit));
  if (isObject(node)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(node).sort()) out[key] = walk(visit(key, node[key]), visit);
    return out;
  }
  return node;
}

/** Steps 2 and 3: ids to placeholders, times and durations to `<time>` / `<ms>`. */
function normalizeValues(events: SnapshotEvent[]): SnapshotEvent[] {
  const ids = new Map<string, string>();
  const counters = new Map<string, number>();
  for (const event of events) {
    walk(event, (key, value) => {
      const kind = key === undefined ? undefined : ID_KINDS[key];
      if (kind && typeof value === 'string' && value !== '' && !ids.has(value) && !value.startsWith('<')) {
        const n = (counters.get(kind) ?? 0) + 1;
        counters.set(kind, n);
        ids.set(value, `<${kind}:${n}>`);
      }
      return value;
    });
  }
  // Inside other text only ids long enough not to be ordinary words (real ids are), longer ones first.
  const known = [...ids.keys()].filter((id) => id.length >= MIN_EMBEDDED_ID).sort((a, b) => b.length - a.length);
  const replaceIds = (key: string | undefined, text: string): string => {
    const exact = ids.get(text);
    if (exact && ((key !== undefined && key in ID_KINDS) || text.length >= MIN_EMBEDDED_ID)) return exact;
    let out = text;
    for (const id of known) if (out.includes(id)) out = out.split(id).join(ids.get(id) ?? id);
    return out;
  };
  return events.map(
    (event) =>
      walk(event, (key, value) => {
        if (typeof value === 'string') {
          if (key === 'timestamp' || ISO_TIME.test(value)) return '<time>';
          return replaceIds(key, value);
        }
        if (typeof value === 'number' && key !== undefined && key.endsWith('_ms')) return '<ms>';
        return value;
      }) as SnapshotEvent,
  );
}

function callIdOf(event: SnapshotEvent): string | undefined {
  const payload = event.payload;
  return isObject(payload) && typeof payload.call_id === 'string' ? payload.call_id : undefined;
}

/**
 * Step 0: parallel tool calls in one canonical order. Calls that overlap (a call starts while
 * another is open) finish in whatever order the tools happen to take, so their events would
 * flap from run to run; within such a group, made only of tool events, the starts keep their
 * order (the agent's, deterministic) and the completions follow in the order of their starts.
 * The group's seq values are handed out again in that order (the same set of seq). Calls that
 * do not overlap, and groups with anything else inside, stay as they were.
 */
export function canonicalToolOrder(events: readonly SnapshotEvent[]): SnapshotEvent[] {
  const out = [...events];
  let i = 0;
  while (i < out.length) {
    if (out[i]?.type !== 'tool_executing') {
      i += 1;
      continue;
    }
    const open = new Set<string>();
    let end = i;
    let toolsOnly = true;
    let calls = 0;
    for (; end < out.length; end += 1) {
      const event = out[end]!;
      const id = callIdOf(event);
      if (event.type === 'tool_executing' && id !== undefined) {
        open.add(id);
        calls += 1;
      } else if (event.type === 'tool_completed' && id !== undefined) open.delete(id);
      else toolsOnly = false;
      if (open.size === 0) break;
    }
    if (end >= out.length || !toolsOnly || calls < 2) {
      i = Math.max(end, i) + 1;
      continue;
    }
    const group = out.slice(i, end + 1);
    const starts = group.filter((e) => e.type === 'tool_executing');
    const rank = new Map(starts.map((e, n) => [callIdOf(e), n]));
    const completions = group.filter((e) => e.type === 'tool_completed').sort((a, b) => (rank.get(callIdOf(a)) ?? 0) - (rank.get(callIdOf(b)) ?? 0));
    const seqs = group.map((e) => e.seq);
    const ordered = [...starts, ...completions].map((e, n) => (seqs[n] === undefined ? e : { ...e, seq: seqs[n] }));
    out.splice(i, group.length, ...ordered);
    i = end + 1;
  }
  return out;
}

/** A run's envelopes (seq order) normalized for a snapshot, and the `{path, match}` problems. */
export function normalizeRunEvents(
  envelopes: readonly Record<string, unknown>[],
  ignore: readonly SnapshotIgnore[] = [],
): { events: SnapshotEvent[]; problems: string[] } {
  const events = canonicalToolOrder(envelopes.map((e) => clone(e)));
  const problems = applyIgnores(events, ignore);
  return { events: normalizeValues(events), problems };
}

/** JSON with object keys sorted at every level, on one line. */
export function stableJson(value: unknown): string {
  return JSON.stringify(walk(value, (_k, v) => v));
}

/** The file's text: sorted keys, one event per line, a final newline. */
export function snapshotText(doc: SnapshotDocument): string {
  const lines = doc.events.map((e, i) => `    ${stableJson(e)}${i < doc.events.length - 1 ? ',' : ''}`);
  return [
    '{',
    `  "events": [${lines.length ? '' : ']'}${lines.length ? `\n${lines.join('\n')}\n  ]` : ''},`,
    `  "flowscope_snapshot": ${doc.flowscope_snapshot},`,
    `  "name": ${JSON.stringify(doc.name)},`,
    `  "scenario": ${JSON.stringify(doc.scenario)}`,
    '}',
    '',
  ].join('\n');
}

export class SnapshotFileError extends Error {
  override readonly name = 'SnapshotFileError';
}

/** Reads a snapshot file's text; throws SnapshotFileError when it is not one. */
export function parseSnapshot(text: string): SnapshotDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SnapshotFileError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isObject(doc) || doc.flowscope_snapshot !== SNAPSHOT_FORMAT_VERSION || !Array.isArray(doc.events) || !doc.events.every(isObject)) {
    throw new SnapshotFileError(`not a Flowscope snapshot (version ${SNAPSHOT_FORMAT_VERSION}: { flowscope_snapshot, events: [...] })`);
  }
  return { flowscope_snapshot: SNAPSHOT_FORMAT_VERSION, scenario: String(doc.scenario ?? ''), name: String(doc.name ?? ''), events: doc.events };
}

function showValue(v: unknown): string {
  return v === undefined ? '(absent)' : JSON.stringify(v);
}

/** The first path (depth first, `type` then the other keys sorted) where the two differ, with both values. */
export function firstDifference(expected: unknown, received: unknown, path = 'events'): { path: string; expected: string; received: string } | undefined {
  if (Array.isArray(expected) && Array.isArray(received)) {
    for (let i = 0; i < Math.max(expected.length, received.length); i++) {
      const d = firstDifference(expected[i], received[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isObject(expected) && isObject(received)) {
    // `type` first: an event of another type is that, not a difference in its first payload key.
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(received)])].sort((a, b) =>
      a === 'type' ? -1 : b === 'type' ? 1 : a < b ? -1 : a > b ? 1 : 0,
    );
    for (const key of keys) {
      const d = firstDifference(expected[key], received[key], /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (stableJson(expected) === stableJson(received)) return undefined;
  return { path, expected: showValue(expected), received: showValue(received) };
}

/** A snapshot line with its `seq` left out: how event lines are aligned, so one event more or less does not make every later line differ. */
export function withoutSeq(line: string): string {
  try {
    const event: unknown = JSON.parse(line);
    if (!isObject(event)) return line;
    const { seq: _seq, ...rest } = event;
    return stableJson(rest);
  } catch {
    return line;
  }
}

/**
 * A line diff (longest common subsequence): `- ` only in a, `+ ` only in b, `  ` both; unchanged
 * runs longer than 2 * context folded to `  …`. Lines are aligned by `align` (default: the line
 * itself); aligned lines whose text still differs come out as a `- ` / `+ ` pair, or with
 * `alignedAsContext` as an unchanged line showing b's text.
 */
export function lineDiff(
  a: readonly string[],
  b: readonly string[],
  context = 2,
  align: (line: string) => string = (l) => l,
  alignedAsContext = false,
): string[] {
  const n = a.length;
  const m = b.length;
  const ka = a.map(align);
  const kb = b.map(align);
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = ka[i] === kb[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Array<{ op: ' ' | '-' | '+'; line: string }> = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && ka[i] === kb[j]) {
      if (a[i] === b[j] || alignedAsContext) ops.push({ op: ' ', line: b[j]! });
      else ops.push({ op: '-', line: a[i]! }, { op: '+', line: b[j]! });
      i++;
      j++;
    } else if (j < m && (i >= n || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      ops.push({ op: '+', line: b[j]! });
      j++;
    } else {
      ops.push({ op: '-', line: a[i]! });
      i++;
    }
  }
  const keep = ops.map((o, k) => o.op !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((p) => p.op !== ' '));
  const out: string[] = [];
  ops.forEach((o, k) => {
    if (keep[k]) out.push(`${o.op} ${o.line}`);
    else if (keep[k - 1] !== false || k === 0) out.push('  …');
  });
  return out;
}

/** The event lines of a snapshot text (one event per line), for the diff. */
export function snapshotEventLines(doc: SnapshotDocument): string[] {
  return doc.events.map((e) => stableJson(e));
}

/**
 * Compares a stored snapshot with the received one: undefined when equal, else the first
 * difference and the diff. Events are aligned without their `seq`: an event more or less is one
 * `+ ` or `- ` line, and the later events (whose seq moved) show as unchanged, with their new seq
 * (when only seqs differ, those lines are shown as `- ` / `+ ` pairs).
 */
export function compareSnapshots(
  expected: SnapshotDocument,
  received: SnapshotDocument,
): { first_difference: { path: string; expected: string; received: string }; diff: string[] } | undefined {
  const first = firstDifference(expected.events, received.events);
  if (!first) return undefined;
  const a = snapshotEventLines(expected);
  const b = snapshotEventLines(received);
  const diff = lineDiff(a, b, 2, withoutSeq, true);
  // Only seqs differ (a gap, a repeat): then those lines are the change.
  return { first_difference: first, diff: diff.some((l) => !l.startsWith('  ')) ? diff : lineDiff(a, b, 2, withoutSeq) };
}

/** The file name of a scenario's snapshot: `<scenario file base>.<name>.json`, name made file-safe. */
export function snapshotFileName(scenarioBase: string, name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'snapshot';
  return `${scenarioBase}.${safe}.json`;
}

/** Where a runner reads and writes snapshots: the CLI's folder beside the scenario, the console's REST API. */
export interface SnapshotStore {
  /** `local`: a missing snapshot is written; `ci`: a missing snapshot fails; `update`: missing and differing ones are (re)written. */
  readonly mode: 'local' | 'ci' | 'update';
  /** Where the snapshot of that name is, for messages (`pack/__snapshots__/flow.tools.json`). */
  location(name: string): string;
  /** Its text, or undefined when there is none. */
  read(name: string): Promise<string | undefined>;
  write(name: string, text: string): Promise<void>;
}
