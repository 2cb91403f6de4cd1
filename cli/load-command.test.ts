/**
 * `flowscope load` end to end against a real embedded backend: counts and metrics of a
 * small load, thresholds deciding the exit code, usage errors before anything starts,
 * failures grouped, and a stop that still prints what ran.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricSummary } from './load-stats.ts';
import { captureIo, type CapturedIo } from './test-support/captured-io.ts';
import { loadCommand, parseDuration, type LoadCommandIo, type LoadReport } from './load-command.ts';

let dir: string;

function capture(extra: Partial<LoadCommandIo> = {}): CapturedIo<LoadCommandIo> {
  return captureIo<LoadCommandIo>(dir, { progressTty: false, ...extra });
}

const probe = `flowscope: 1
name: Load probe
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "What is 6 * 7?" } }, save_as: r1 }
  - expect_run: { user: a, run: "{{r1.run_id}}", status: succeeded, response: { $contains: "42" } }
`;

const failing = `flowscope: 1
name: Expects a tool that is not called
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "What is 6 * 7?" } }, save_as: r1 }
  - expect_run: { user: a, run: "{{r1.run_id}}", payloads: { tool_executing: { tool: search_docs } } }
`;

// Two messages of one user at once: the second run waits for the first (one run at a time per user).
const queued = `flowscope: 1
name: Two runs of one user, the second queued
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: one, agent: scripted, script: [{ think: first }, { tool: slow, delay_ms: 150 }, { respond: one }] } }, save_as: r1 }
  - send: { as: a, message: { type: user_message, payload: { content: two, agent: scripted, script: [{ think: second }, { tool: slow, delay_ms: 150 }, { respond: two }] } }, save_as: r2 }
  - expect_run: { user: a, run: "{{r1.run_id}}", status: succeeded }
  - expect_run: { user: a, run: "{{r2.run_id}}", status: succeeded }
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-load-test-'));
  await fs.writeFile(path.join(dir, 'probe.yaml'), probe);
  await fs.writeFile(path.join(dir, 'queued.yaml'), queued);
  await fs.writeFile(path.join(dir, 'failing.yaml'), failing);
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function plausible(s: MetricSummary, count: number): void {
  expect(s.count).toBe(count);
  const [min, p50, p90, p95, p99, max, mean] = [s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean] as number[];
  expect(min).toBeGreaterThanOrEqual(0);
  expect(min).toBeLessThanOrEqual(p50 as number);
  expect(p50).toBeLessThanOrEqual(p90 as number);
  expect(p90).toBeLessThanOrEqual(p95 as number);
  expect(p95).toBeLessThanOrEqual(p99 as number);
  expect(p99).toBeLessThanOrEqual(max as number);
  expect(mean).toBeGreaterThanOrEqual(min as number);
  expect(mean).toBeLessThanOrEqual(max as number);
  expect(max).toBeLessThan(10_000);
}

describe('flowscope load', () => {
  it('runs 12 iterations on 4 VUs and reports plausible metrics; passing thresholds exit 0', async () => {
    const io = capture();
    const code = await loadCommand(
      [
        'probe.yaml',
        '--vus',
        '4',
        '--iterations',
        '12',
        '--reporter',
        'json',
        '--threshold',
        'p95(run_duration)<30000',
        '--threshold',
        'failed_rate<0.01',
        '--threshold',
        'count(ack)==12',
        '--threshold',
        'count(stage.queue_wait)==12',
        '--threshold',
        'p95(stage.total)<30000',
      ],
      io,
    );
    expect(io.err()).toContain('4 VU(s), 12 iterations: Load probe');
    expect(code).toBe(0);
    const report = JSON.parse(io.out()) as LoadReport;
    expect(report.flowscope_load).toBe(1);
    expect(report.options).toEqual({ vus: 4, iterations: 12, ramp_up_ms: 0 });
    expect(report.iterations).toMatchObject({ total: 12, passed: 12, failed: 0, failed_rate: 0 });
    expect(report.iterations.per_s).toBeGreaterThan(0);
    expect(report.messages.sent).toBe(12);
    expect(report.runs).toBe(12);
    // One user_message, one run per iteration: each metric has a sample per run.
    for (const name of ['ack', 'first_event', 'run_duration'] as const) plausible(report.metrics[name], report.runs);
    // The five-event flow has at least four gaps per run.
    expect(report.metrics.event_gap.count).toBeGreaterThanOrEqual(4 * report.runs);
    // The first event comes after the send, and so after nothing earlier than the ack can.
    expect(report.metrics.first_event.min).toBeGreaterThan(0);
    for (const kind of ['connect', 'send', 'expect_run']) plausible(report.steps[kind] as MetricSummary, 12);
    expect(report.failures).toEqual([]);
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, true, true, true, true]);
    // Each run's stages: the ack starts the queue wait and the total, the calculator call is a tool stage.
    for (const name of ['queue_wait', 'first_thinking', 'total'] as const) plausible(report.stages[name], report.runs);
    plausible(report.stages.tool, report.runs);
    plausible(report.tools.calculator as MetricSummary, report.runs);
    expect(io.err()).toMatch(/queue wait \(stage\.queue_wait\)\s+12\s/);
    expect(io.err()).toMatch(/stage\.tool\.calculator\s+12\s/);
    // The human summary went to stderr, beside the JSON.
    expect(io.err()).toMatch(/iterations\s+12 {2}12 passed, 0 failed \(0\.00%\)/);
    expect(io.err()).toMatch(/✓ count\(ack\)==12\s+actual 12/);
  });

  it('run_duration is each run from accepted to completed: a run queued behind another counts its wait', async () => {
    const io = capture();
    expect(await loadCommand(['queued.yaml', '--iterations', '2', '--reporter', 'json'], io)).toBe(0);
    const report = JSON.parse(io.out()) as LoadReport;
    expect(report.runs).toBe(4);
    plausible(report.metrics.run_duration, 4);
    // Each run plays a 150 ms tool call; the second of each pair also waited for (most of) the first.
    expect(report.metrics.run_duration.min as number).toBeGreaterThanOrEqual(149);
    expect(report.metrics.run_duration.max as number).toBeGreaterThanOrEqual(225);
    expect(io.err()).toMatch(/run: accepted → completed \(run_duration\)\s+4\s/);
  });

  it('a failing threshold exits 1 and prints each threshold with its actual value', async () => {
    const io = capture();
    const code = await loadCommand(
      ['probe.yaml', '--vus', '2', '--iterations', '2', '--threshold', 'iterations_per_s>100000', '--threshold', 'p99(ack)<60000'],
      io,
    );
    expect(code).toBe(1);
    expect(io.out()).toMatch(/✗ iterations_per_s>100000\s+actual \d+(\.\d+)?\n/);
    expect(io.out()).toMatch(/✓ p99\(ack\)<60000\s+actual \d+(\.\d+)?\n/);
    expect(io.out()).toMatch(/ack latency \(ack\)\s+2\s/);
  });

  it('a bad threshold is a usage error (exit 2) before anything starts', async () => {
    const io = capture();
    expect(await loadCommand(['probe.yaml', '--iterations', '1', '--threshold', 'p95(acks)<500'], io)).toBe(2);
    expect(io.err()).toContain('flowscope load: bad --threshold p95(acks)<500: unknown metric "acks"');
    expect(io.err()).toContain("e.g. 'p95(run_duration)<2000'");
    expect(io.err()).not.toContain('Embedded backend');
    const unit = capture();
    expect(await loadCommand(['probe.yaml', '--threshold', 'p95(ack)<0.5s'], unit)).toBe(2);
    expect(unit.err()).toContain('"0.5s" is not a number');
  });

  it('runs a file of a built-in pack by the path the docs name, from a project without it', async () => {
    const io = capture();
    expect(await loadCommand(['golden/complete-flow.yaml', '--iterations', '2', '--reporter', 'json'], io)).toBe(0);
    expect((JSON.parse(io.out()) as { iterations: { passed: number } }).iterations.passed).toBe(2);
    const missing = capture();
    expect(await loadCommand(['golden/nope.yaml'], missing)).toBe(2);
    expect(missing.err()).toContain('golden/nope.yaml: no such file (built-in packs:');
  });

  it('other usage errors exit 2', async () => {
    for (const args of [
      [],
      ['probe.yaml', 'failing.yaml'],
      ['probe.yaml', '--iterations', '3', '--duration', '5s'],
      ['probe.yaml', '--vus', '0'],
      ['probe.yaml', '--duration', 'soon'],
      ['probe.yaml', '--reporter', 'junit'],
      ['missing.yaml'],
      ['.'],
      ['probe.yaml', '--target', 'ftp://x'],
    ]) {
      const io = capture();
      expect({ args, code: await loadCommand(args, io) }).toEqual({ args, code: 2 });
      expect(io.err()).toMatch(/^flowscope load: /);
    }
  });

  it('without thresholds a failed iteration exits 1; failures are grouped by their first failure', async () => {
    const io = capture();
    const code = await loadCommand(['failing.yaml', '--vus', '2', '--iterations', '4'], io);
    expect(code).toBe(1);
    expect(io.out()).toMatch(/4 failed \(100\.00%\)/);
    expect(io.out()).toMatch(/ {5}4× step 3 \(expect_run\): /);
  });

  it('a stop cuts the iterations under way, still prints the summary, and exits 130; progress lines while it runs', async () => {
    const controller = new AbortController();
    const io = capture({ signal: controller.signal, progressIntervalMs: 100 });
    const timer = setTimeout(() => controller.abort(), 700);
    const code = await loadCommand(['probe.yaml', '--vus', '3', '--duration', '60s', '--ramp-up', '300ms'], io).finally(() => clearTimeout(timer));
    expect(code).toBe(130);
    expect(io.err()).toMatch(/^ +0\.\d\d s {2}\d\/3 VUs {2}\d+ iterations {2}0 failed {2}\d+\.\d\/s now$/m);
    expect(io.out()).toMatch(/interrupted \(stopped\) after \d+\.\d\d s: \d iteration\(s\) cut short are not counted/);
    expect(io.out()).toMatch(/iterations\s+\d+ {2}\d+ passed, 0 failed/);
  });

  it('reads durations', () => {
    expect([parseDuration('30s'), parseDuration('500ms'), parseDuration('2m'), parseDuration('1.5'), parseDuration('1h')]).toEqual([
      30_000, 500, 120_000, 1500, 3_600_000,
    ]);
    expect([parseDuration('s'), parseDuration('-1s'), parseDuration('5 minutes')]).toEqual([undefined, undefined, undefined]);
  });
});
