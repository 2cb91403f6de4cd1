/**
 * The checks of an `expect_run` step over one observed run: seq 1..n, exactly one
 * `agent_completed`, the event sequence (exact, or the protocol's five-event shape),
 * status, response, payload patterns and latency budgets. Pure: every problem comes back
 * with expected and received lines.
 */
import { GOLDEN_PATH_EVENTS, type RunEventType } from '../protocol/index.ts';
import { mismatches, show, type Mismatch } from './pattern-matcher.ts';
import type { ObservedRun, StepFailure } from './scenario-result.ts';

/** A latency budget between two event types of a run (expect_run's `latency`). */
export interface LatencyBudget {
  from: RunEventType;
  to: RunEventType;
  max_ms: number;
}

export interface RunExpectation {
  events?: readonly RunEventType[] | undefined;
  /** Without `events`: the five-event golden path (default) or only the rules every agent keeps. */
  shape?: 'five_events' | 'any_agent' | undefined;
  status?: string | undefined;
  /** Patterns, already rendered. */
  response?: unknown;
  payloads?: Partial<Record<RunEventType, unknown>> | undefined;
  latency?: readonly LatencyBudget[] | undefined;
}

export function mismatchLines(list: Mismatch[]): { expected: string[]; received: string[] } {
  return {
    expected: list.map((m) => `${m.path}: ${m.expected}`),
    received: list.map((m) => `${m.path}: ${m.received}`),
  };
}

/** Expected and received lists with markers where they differ. */
export function sequenceDiff(expected: readonly string[], received: readonly string[]): { expected: string[]; received: string[] } {
  const n = Math.max(expected.length, received.length);
  const e: string[] = [];
  const r: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = expected[i];
    const b = received[i];
    const mark = a === b ? ' ' : '≠';
    e.push(`${mark} ${i + 1}. ${a ?? '(nothing)'}`);
    r.push(`${mark} ${i + 1}. ${b ?? '(nothing)'}`);
  }
  return { expected: e, received: r };
}

const SHAPE_CODES: Record<string, string> = {
  agent_started: 'S',
  agent_thinking: 'T',
  tool_executing: 'E',
  tool_completed: 'C',
  agent_completed: 'D',
};
/** protocol.md §5: agent_started, agent_thinking+, (tool_executing, tool_completed)+, agent_completed. */
const FIVE_EVENT_SHAPE = /^ST+(EC)+D$/;

export function isFiveEventShape(types: readonly string[]): boolean {
  return FIVE_EVENT_SHAPE.test(types.map((t) => SHAPE_CODES[t] ?? '?').join(''));
}

export function checkRun(run: ObservedRun, exp: RunExpectation): { problems: StepFailure[]; timings: string[] } {
  const problems: StepFailure[] = [];
  const types = run.events.map((e) => e.type);
  const seqs = run.events.map((e) => e.seq);
  if (!seqs.every((s, i) => s === i + 1)) {
    problems.push({
      message: 'seq is not 1..n without gaps or repeats',
      expected: ['seq:', ...run.events.map((_, i) => String(i + 1))],
      received: ['seq:', ...seqs.map(String)],
    });
  }
  if (run.repeated?.length) {
    problems.push({
      message: `delivered more than once: seq ${[...new Set(run.repeated)].join(', ')}`,
      expected: ['each event once'],
      received: run.repeated.map((q) => `seq ${q} again`),
    });
  }
  const completed = types.filter((t) => t === 'agent_completed').length;
  if (completed !== 1) problems.push({ message: `${completed} agent_completed events, expected exactly 1` });

  if (exp.events) {
    if (exp.events.length !== types.length || exp.events.some((t, i) => t !== types[i])) {
      const diff = sequenceDiff(exp.events, types);
      problems.push({ message: 'the event sequence differs', expected: ['events:', ...diff.expected], received: ['events:', ...diff.received] });
    }
  } else if (exp.shape === 'any_agent') {
    const first = types[0];
    const last = types.at(-1);
    if (first !== 'agent_started' || types.lastIndexOf('agent_started') !== 0 || last !== 'agent_completed') {
      problems.push({
        message: 'a run starts with one agent_started and ends with agent_completed',
        expected: ['events: agent_started, (agent_thinking | tool_executing | tool_completed)*, agent_completed'],
        received: [`events: ${types.join(', ')}`],
      });
    }
  } else if (!exp.status || exp.status === 'succeeded') {
    const missing = GOLDEN_PATH_EVENTS.filter((t) => !types.includes(t));
    if (!isFiveEventShape(types)) {
      problems.push({
        message: `not the five-event flow${missing.length ? `: missing ${missing.join(', ')}` : ''}`,
        expected: ['events: agent_started, agent_thinking+, (tool_executing, tool_completed)+, agent_completed'],
        received: [`events: ${types.join(', ')}`],
      });
    }
  }
  // Tool pairs are whole: every tool_completed answers an earlier tool_executing of the same
  // call_id and tool, and every tool_executing is completed before agent_completed. Pairs may
  // overlap (parallel tool calls).
  const open = new Map<string, { tool: unknown; seq: number }>();
  const used = new Set<string>();
  for (const e of run.events) {
    const payload = e.payload as { call_id?: unknown; tool?: unknown } | undefined;
    const callId = payload?.call_id;
    if (typeof callId !== 'string') continue;
    if (e.type === 'tool_executing') {
      if (used.has(callId)) problems.push({ message: `tool_executing #${String(e.seq)} reuses call_id ${callId}` });
      used.add(callId);
      open.set(callId, { tool: payload?.tool, seq: e.seq ?? 0 });
    }
    if (e.type === 'tool_completed') {
      const started = open.get(callId);
      if (!started) {
        problems.push({ message: `tool_completed #${String(e.seq)} has call_id ${callId} with no tool_executing before it` });
      } else {
        open.delete(callId);
        if (started.tool !== payload?.tool) {
          problems.push({
            message: `tool_completed #${String(e.seq)} names tool ${show(payload?.tool)}, its tool_executing #${started.seq} named ${show(started.tool)}`,
          });
        }
      }
    }
  }
  if (types.includes('agent_completed')) {
    for (const [callId, started] of open) {
      problems.push({ message: `tool_executing #${started.seq} (call_id ${callId}) never got its tool_completed` });
    }
  }

  if (exp.status && run.status !== exp.status) {
    problems.push({
      message: `status ${String(run.status)}, expected ${exp.status}`,
      expected: [`status: ${exp.status}`],
      received: [`status: ${String(run.status)}`],
    });
  }
  if (exp.response !== undefined) {
    const diff = mismatches(exp.response, run.response, 'response');
    if (diff.length) problems.push({ message: 'the response does not match', ...mismatchLines(diff) });
  }
  for (const [type, pattern] of Object.entries(exp.payloads ?? {})) {
    if (pattern === undefined) continue;
    const ofType = run.events.filter((e) => e.type === type);
    const patterns: unknown[] = Array.isArray(pattern) ? pattern : [pattern];
    const many = Array.isArray(pattern);
    patterns.forEach((p, i) => {
      const event = ofType[i];
      const label = `${type}${many ? `[${i}]` : ''}`;
      if (!event) {
        problems.push({ message: `no ${label} event`, expected: [`${label}: ${show(p)}`], received: [`${label}: (absent)`] });
        return;
      }
      const diff = mismatches(p, event.payload, `${label}.payload`);
      if (diff.length) problems.push({ message: `${label} payload does not match`, ...mismatchLines(diff) });
    });
  }

  const timings: string[] = [];
  for (const budget of exp.latency ?? []) {
    const from = run.events.find((e) => e.type === budget.from);
    const to = budget.from === budget.to ? [...run.events].reverse().find((e) => e.type === budget.to) : run.events.find((e) => e.type === budget.to);
    if (!from || !to) {
      problems.push({ message: `latency ${budget.from} → ${budget.to}: ${!from ? budget.from : budget.to} never arrived` });
      continue;
    }
    const ms = Math.round((to.at_ms - from.at_ms) * 10) / 10;
    timings.push(`${budget.from} → ${budget.to} ${ms} ms (budget ${budget.max_ms} ms)`);
    if (ms > budget.max_ms) {
      problems.push({
        message: `latency ${budget.from} → ${budget.to} was ${ms} ms, over the ${budget.max_ms} ms budget`,
        expected: [`${budget.from} → ${budget.to}: <= ${budget.max_ms} ms`],
        received: [`${budget.from} → ${budget.to}: ${ms} ms`],
      });
    }
  }
  return { problems, timings };
}
