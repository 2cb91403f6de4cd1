import { describe, expect, it } from 'vitest';
import { dotOf, DotsWriter, formatDotsReport } from './report-dots.ts';
import type { ScenarioResult, StepResult } from '../scenario/scenario-result.ts';

const step = (id: string, status: StepResult['status'], extra: Partial<StepResult> = {}): StepResult => ({
  id,
  kind: 'send',
  title: `step ${id}`,
  status,
  started_ms: 0,
  duration_ms: 1,
  ...extra,
});

describe('dots', () => {
  it('one character per step, groups through their steps, wrapped at the width', () => {
    expect([
      dotOf(step('1', 'passed')),
      dotOf(step('2', 'failed')),
      dotOf(step('3', 'skipped')),
      dotOf(step('4', 'passed', { kind: 'repeat', children: [step('4.1', 'passed')] })),
    ]).toEqual(['.', 'F', '-', undefined]);
    // A group skipped after a failure never ran its steps: it is one skipped character.
    expect(dotOf(step('5', 'skipped', { kind: 'parallel' }))).toBe('-');
    let out = '';
    const w = new DotsWriter((t) => (out += t), 4);
    for (let i = 0; i < 6; i++) w.step(step(String(i), 'passed'));
    w.scenarioError();
    w.end();
    expect(out).toBe('....\n..E\n');
  });

  it('the whole report: characters, each failure with expected and received, the summary', () => {
    const failed: ScenarioResult = {
      name: 'flow',
      file: 'flow.yaml',
      tags: [],
      status: 'failed',
      started_at: '',
      duration_ms: 12,
      target: 't',
      steps: [
        step('1', 'passed'),
        step('2', 'failed', { failure: { message: 'no ack', expected: ['message_ack'], received: ['nothing'] } }),
        step('3', 'skipped'),
      ],
      runs: [],
      users: {},
      sent: [],
      received: [],
    };
    expect(formatDotsReport([failed], { color: false })).toBe(
      '.F-\n\n1) flow  flow.yaml\n   step 2. step 2\n     no ack\n     expected:\n       message_ack\n     received:\n       nothing\n\nScenarios: 0 passed, 1 failed, 1 total (12 ms)\n  ✗ flow  flow.yaml\n',
    );
  });
});
