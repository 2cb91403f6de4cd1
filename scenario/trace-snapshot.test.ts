import { describe, expect, it } from 'vitest';
import {
  canonicalToolOrder,
  compareSnapshots,
  firstDifference,
  lineDiff,
  normalizeRunEvents,
  parseSnapshot,
  SnapshotFileError,
  snapshotFileName,
  snapshotEventLines,
  snapshotText,
  withoutSeq,
  type SnapshotDocument,
} from './trace-snapshot.ts';

const run = (runId: string, callA: string, callB: string) => [
  {
    type: 'agent_started',
    run_id: runId,
    thread_id: 'th_9',
    user_id: 'u-x1',
    seq: 1,
    timestamp: '2026-12-07T10:00:00.000Z',
    payload: { agent: 'a', input: `hi ${runId}` },
  },
  { type: 'agent_thinking', run_id: runId, thread_id: 'th_9', seq: 2, timestamp: '2026-12-07T10:00:00.010Z', payload: { thought: 'random 0.1234', step: 1 } },
  { type: 'tool_executing', run_id: runId, seq: 3, timestamp: '2026-12-07T10:00:00.020Z', payload: { tool: 't', call_id: callA, args: {} } },
  { type: 'tool_executing', run_id: runId, seq: 4, timestamp: '2026-12-07T10:00:00.021Z', payload: { tool: 't', call_id: callB, args: {} } },
  {
    type: 'tool_completed',
    run_id: runId,
    seq: 5,
    timestamp: '2026-12-07T10:00:00.030Z',
    payload: { tool: 't', call_id: callB, ok: true, duration_ms: 9.5, result: { at: '2026-12-07T10:00:00Z' } },
  },
  {
    type: 'tool_completed',
    run_id: runId,
    seq: 6,
    timestamp: '2026-12-07T10:00:00.040Z',
    payload: { tool: 't', call_id: callA, ok: true, duration_ms: 20, result: 1 },
  },
];

function doc(events: Record<string, unknown>[]): SnapshotDocument {
  return { flowscope_snapshot: 1, scenario: 'S', name: 'n', events };
}

describe('normalizeRunEvents', () => {
  it('replaces ids by first-seen placeholders that keep references, times and durations by tokens, and keeps seq', () => {
    const { events, problems } = normalizeRunEvents(run('run_0001', 'c_a', 'c_b'));
    expect(problems).toEqual([]);
    expect(events[0]).toEqual({
      type: 'agent_started',
      run_id: '<run:1>',
      thread_id: '<thread:1>',
      user_id: '<user:1>',
      seq: 1,
      timestamp: '<time>',
      payload: { agent: 'a', input: 'hi <run:1>' },
    });
    // call ids numbered in first-seen order; the completions (finished in another order) keep
    // their call and follow their starts (parallel calls in one canonical order).
    expect(events.map((e) => (e.payload as { call_id?: string }).call_id)).toEqual([undefined, undefined, '<call:1>', '<call:2>', '<call:1>', '<call:2>']);
    // callB's completion (with the result holding a time), now after callA's
    expect(events[5]?.payload).toMatchObject({ duration_ms: '<ms>', result: { at: '<time>' } });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('two runs with other ids and times normalize to the same text', () => {
    const a = normalizeRunEvents(run('run_0001', 'c_a', 'c_b')).events;
    const b = normalizeRunEvents(run('run_other_9', 'x', 'y')).events;
    expect(snapshotText(doc(a))).toBe(snapshotText(doc(b)));
  });

  it('ignores paths (per event, * and an event type first), and matches others by pattern', () => {
    const { events, problems } = normalizeRunEvents(run('r', 'a', 'b'), [
      'agent_thinking.payload.thought',
      { path: 'tool_completed.payload.result', match: { $any: true } },
      'payload.args.*',
    ]);
    expect(problems).toEqual([]);
    expect(events[1]?.payload).toEqual({ thought: '<ignored>', step: 1 });
    expect(events[4]?.payload).toMatchObject({ result: '<matched>' });
    expect(events[0]?.payload).toEqual({ agent: 'a', input: 'hi r' });
    const bad = normalizeRunEvents(run('r', 'a', 'b'), [{ path: 'tool_completed.payload.ok', match: false }]);
    expect(bad.problems).toEqual([
      'events[4] tool_completed.payload.ok: expected false, received true',
      'events[5] tool_completed.payload.ok: expected false, received true',
    ]);
    expect(bad.events[4]?.payload).toMatchObject({ ok: true });
  });

  it('an ignore path that reaches no value is a problem (a typo would otherwise ignore nothing)', () => {
    const { problems } = normalizeRunEvents(run('r', 'a', 'b'), [
      'tool_completed.payload.result.tiem',
      { path: 'agent_thinking.payload.thougth', match: { $type: 'string' } },
      'payload.tool',
    ]);
    expect(problems).toEqual([
      'ignore "tool_completed.payload.result.tiem" reaches no value in the run\'s 6 events (types: agent_started, agent_thinking, tool_executing, tool_completed)',
      'ignore "agent_thinking.payload.thougth" reaches no value in the run\'s 6 events (types: agent_started, agent_thinking, tool_executing, tool_completed)',
    ]);
  });
});

describe('the snapshot file', () => {
  it('is sorted JSON with one event per line, and reads back', () => {
    const text = snapshotText(
      doc([
        { type: 'x', seq: 1, payload: { b: 1, a: [2, { d: 1, c: 2 }] } },
        { type: 'y', seq: 2 },
      ]),
    );
    expect(text).toBe(
      [
        '{',
        '  "events": [',
        '    {"payload":{"a":[2,{"c":2,"d":1}],"b":1},"seq":1,"type":"x"},',
        '    {"seq":2,"type":"y"}',
        '  ],',
        '  "flowscope_snapshot": 1,',
        '  "name": "n",',
        '  "scenario": "S"',
        '}',
        '',
      ].join('\n'),
    );
    expect(parseSnapshot(text).events).toHaveLength(2);
    expect(parseSnapshot(snapshotText(doc([]))).events).toEqual([]);
    expect(() => parseSnapshot('{"events": []}')).toThrow(SnapshotFileError);
    expect(() => parseSnapshot('nope')).toThrow(/not JSON/);
  });

  it('names files <scenario>.<name>.json with a safe name', () => {
    expect(snapshotFileName('complete-flow', 'tools')).toBe('complete-flow.tools.json');
    expect(snapshotFileName('f', '../x y')).toBe('f.x-y.json');
  });
});

describe('comparison', () => {
  it('finds the first differing path with both values, and equal documents have none', () => {
    expect(firstDifference([{ a: 1 }], [{ a: 1 }])).toBeUndefined();
    expect(firstDifference([{ type: 't', payload: { x: 1, y: 2 } }], [{ type: 't', payload: { x: 1, y: 3 } }])).toEqual({
      path: 'events[0].payload.y',
      expected: '2',
      received: '3',
    });
    expect(firstDifference([{ a: 1 }], [{ a: 1 }, { b: 2 }])).toEqual({ path: 'events[1]', expected: '(absent)', received: '{"b":2}' });
    expect(firstDifference([{ 'odd key': 1 }], [{ 'odd key': 2 }])?.path).toBe('events[0]["odd key"]');
  });

  it('diffs event lines: removed, added and folded unchanged runs', () => {
    expect(lineDiff(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual(['  a', '- b', '+ x', '  c']);
    const long = ['1', '2', '3', '4', '5', '6', '7', '8'];
    expect(lineDiff(long, [...long.slice(0, 7), '9'], 1)).toEqual(['  …', '  7', '- 8', '+ 9']);
    const c = compareSnapshots(doc([{ seq: 1 }, { seq: 2 }]), doc([{ seq: 1 }, { seq: 3 }]));
    expect(c?.first_difference.path).toBe('events[1].seq');
    expect(c?.diff).toEqual(['  {"seq":1}', '- {"seq":2}', '+ {"seq":3}']);
    expect(compareSnapshots(doc([{ seq: 1 }]), doc([{ seq: 1 }]))).toBeUndefined();
  });

  it('a removed event is one removed line and the first difference is its type, though every later seq moved', () => {
    const stored = doc(normalizeRunEvents(run('r', 'a', 'b')).events);
    const received = doc(
      normalizeRunEvents(
        run('r', 'a', 'b')
          .filter((e) => e.type !== 'agent_thinking')
          .map((e, i) => ({ ...e, seq: i + 1 })),
      ).events,
    );
    const c = compareSnapshots(stored, received);
    expect(c?.first_difference).toEqual({ path: 'events[1].type', expected: '"agent_thinking"', received: '"tool_executing"' });
    const lines = c?.diff ?? [];
    // Each later event is aligned with its stored line (its seq moved), not a wall of removals then additions.
    expect(lines.map((l) => l.slice(0, 2))).toEqual(['  ', '- ', '  ', '  ', '  ']);
    expect(lines[1]).toContain('"type":"agent_thinking"');
    expect(lines[2]).toContain('"seq":2,');
    // The console's side-by-side view pairs them instead, each side with its own seq.
    const paired = lineDiff(snapshotEventLines(stored), snapshotEventLines(received), 99, withoutSeq);
    expect(paired.map((l) => l.slice(0, 2))).toEqual(['  ', '- ', '- ', '+ ', '- ', '+ ', '- ', '+ ', '- ', '+ ']);
    for (let k = 2; k < paired.length; k += 2) expect(withoutSeq(paired[k]!.slice(2))).toBe(withoutSeq(paired[k + 1]!.slice(2)));
    expect(withoutSeq('{"a":1,"seq":4,"z":{"seq":9}}')).toBe('{"a":1,"z":{"seq":9}}');
  });
});

describe('parallel tool calls in a canonical order', () => {
  const ev = (seq: number, type: string, call?: string) => ({ seq, type, run_id: 'run_abcdefgh', payload: call ? { call_id: call, tool: 't' } : {} });
  it('completions of overlapping calls follow their starts, whatever order they finished in; seq handed out again', () => {
    const finishedBA = [
      ev(1, 'agent_started'),
      ev(2, 'tool_executing', 'call_aaaaaaaa'),
      ev(3, 'tool_executing', 'call_bbbbbbbb'),
      ev(4, 'tool_completed', 'call_bbbbbbbb'),
      ev(5, 'tool_completed', 'call_aaaaaaaa'),
      ev(6, 'agent_completed'),
    ];
    const finishedAB = [
      ev(1, 'agent_started'),
      ev(2, 'tool_executing', 'call_aaaaaaaa'),
      ev(3, 'tool_executing', 'call_bbbbbbbb'),
      ev(4, 'tool_completed', 'call_aaaaaaaa'),
      ev(5, 'tool_completed', 'call_bbbbbbbb'),
      ev(6, 'agent_completed'),
    ];
    const a = normalizeRunEvents(finishedBA).events;
    const b = normalizeRunEvents(finishedAB).events;
    expect(a).toEqual(b);
    expect(a.map((e) => [e.seq, e.type, (e.payload as { call_id?: string }).call_id])).toEqual([
      [1, 'agent_started', undefined],
      [2, 'tool_executing', '<call:1>'],
      [3, 'tool_executing', '<call:2>'],
      [4, 'tool_completed', '<call:1>'],
      [5, 'tool_completed', '<call:2>'],
      [6, 'agent_completed', undefined],
    ]);
  });
  it('leaves sequential calls, and groups with other events inside, as they were', () => {
    const sequential = [
      ev(1, 'tool_executing', 'call_aaaaaaaa'),
      ev(2, 'tool_completed', 'call_aaaaaaaa'),
      ev(3, 'tool_executing', 'call_bbbbbbbb'),
      ev(4, 'tool_completed', 'call_bbbbbbbb'),
    ];
    expect(canonicalToolOrder(sequential)).toEqual(sequential);
    const withThought = [
      ev(1, 'tool_executing', 'call_aaaaaaaa'),
      ev(2, 'tool_executing', 'call_bbbbbbbb'),
      ev(3, 'agent_thinking'),
      ev(4, 'tool_completed', 'call_bbbbbbbb'),
      ev(5, 'tool_completed', 'call_aaaaaaaa'),
    ];
    expect(canonicalToolOrder(withThought)).toEqual(withThought);
    const unfinished = [ev(1, 'tool_executing', 'call_aaaaaaaa'), ev(2, 'tool_executing', 'call_bbbbbbbb'), ev(3, 'tool_completed', 'call_bbbbbbbb')];
    expect(canonicalToolOrder(unfinished)).toEqual(unfinished);
  });
});
