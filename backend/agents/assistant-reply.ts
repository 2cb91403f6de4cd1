/**
 * The assistant's answer, composed from its tool calls and their outcomes: one sentence
 * per call, in call order. A failed call is reported in the answer ("I could not
 * evaluate 1 / 0: division by zero at 2.").
 */
import type { ToolOutcome } from './agent-types.ts';
import type { PlannedCall } from './assistant-planner.ts';

export interface CompletedCall {
  call: PlannedCall;
  outcome: ToolOutcome;
}

const NO_HITS = 'I found nothing in the docs about that; try asking about events, priorities, resume, de-duplication, auth or the scripted agent.';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function withPeriod(sentence: string): string {
  return /[.!?…]$/.test(sentence) ? sentence : `${sentence}.`;
}

function failure(what: string, outcome: ToolOutcome): string {
  return withPeriod(`I could not ${what}: ${outcome.error ?? 'the tool failed'}`);
}

function calculatorSentence(expression: string, outcome: ToolOutcome): string {
  if (!outcome.ok) return failure(`evaluate ${expression}`, outcome);
  const value = field(outcome.result, 'value');
  return `${expression} = ${typeof value === 'number' ? String(value) : '?'}.`;
}

function clockSentence(outcome: ToolOutcome): string {
  if (!outcome.ok) return failure('read the clock', outcome);
  return `It is ${text(field(outcome.result, 'formatted'), text(field(outcome.result, 'iso'), 'unknown'))}.`;
}

function searchSentence(outcome: ToolOutcome): string {
  if (!outcome.ok) return failure('search the docs', outcome);
  const hits = field(outcome.result, 'hits');
  if (!Array.isArray(hits) || hits.length === 0) return NO_HITS;
  const [top, ...rest] = hits as unknown[];
  const answer = `From the docs (${text(field(top, 'title'), 'untitled')}): ${withPeriod(text(field(top, 'snippet'), ''))}`;
  const titles = rest.map((hit) => text(field(hit, 'title'), '')).filter((title) => title !== '');
  return titles.length === 0 ? answer : `${answer} See also: ${titles.join('; ')}.`;
}

export function composeReply(calls: readonly CompletedCall[]): string {
  return calls
    .map(({ call, outcome }) => {
      switch (call.tool) {
        case 'calculator':
          return calculatorSentence(call.args.expression, outcome);
        case 'clock':
          return clockSentence(outcome);
        case 'search_docs':
          return searchSentence(outcome);
      }
    })
    .join(' ');
}
