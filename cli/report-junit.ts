/**
 * JUnit XML, as CI systems read it: a testsuite per scenario, a testcase per top-level
 * step, `<failure>` with expected against received, `<skipped/>` for steps after a failure.
 */
import { formatRunsStages, formatSnapshotSummary } from './report-pretty.ts';
import { countSteps, firstFailure, type ScenarioResult, type StepResult } from '../scenario/scenario-result.ts';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

export function escapeXml(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
      // XML 1.0 forbids most control characters, even escaped.
      .replace(CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  );
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function failureText(step: StepResult): string {
  const lines: string[] = [];
  const visit = (s: StepResult) => {
    if (s.status !== 'failed') return;
    const nested = s.children?.filter((c) => c.status === 'failed') ?? [];
    if (nested.length === 0 && s.failure) {
      lines.push(`step ${s.id}: ${s.title}`, s.failure.message);
      if (s.source) lines.push(`at ${s.source}`);
      if (s.failure.expected?.length) lines.push('expected:', ...s.failure.expected.map((l) => `  ${l}`));
      if (s.failure.received?.length) lines.push('received:', ...s.failure.received.map((l) => `  ${l}`));
      if (s.failure.diff?.length) lines.push('- expected + received', ...s.failure.diff);
    }
    nested.forEach(visit);
  };
  visit(step);
  return lines.join('\n');
}

/** A `snapshots` property (`1 written, 2 matched`) for a scenario with expect_snapshot steps. */
function snapshotProperty(r: ScenarioResult): string {
  const text = formatSnapshotSummary([r]);
  return text ? `<property name="snapshots" value="${escapeXml(text.slice('Snapshots: '.length))}"/>` : '';
}

export function formatJunitReport(results: ScenarioResult[], notRun: Array<{ name: string; file: string }> = []): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const totals = results.reduce(
    (acc, r) => {
      acc.tests += Math.max(1, r.steps.length);
      acc.failures += r.error ? 1 : r.steps.filter((s) => s.status === 'failed').length;
      acc.time += r.duration_ms;
      return acc;
    },
    { tests: notRun.length, failures: 0, time: 0 },
  );
  out.push(`<testsuites name="flowscope" tests="${totals.tests}" failures="${totals.failures}" errors="0" time="${seconds(totals.time)}">`);
  for (const r of results) {
    const c = countSteps(r.steps);
    const top = r.steps;
    const failures = r.error ? 1 : top.filter((s) => s.status === 'failed').length;
    const skipped = top.filter((s) => s.status === 'skipped').length;
    const attrs = `name="${escapeXml(r.name)}" tests="${Math.max(1, top.length)}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(r.duration_ms)}" timestamp="${escapeXml(r.started_at)}"${r.file ? ` file="${escapeXml(r.file)}"` : ''}`;
    out.push(`  <testsuite ${attrs}>`);
    out.push(
      `    <properties><property name="target" value="${escapeXml(r.target)}"/><property name="tags" value="${escapeXml(r.tags.join(','))}"/><property name="runs" value="${r.runs.length}"/><property name="steps" value="${c.passed + c.failed + c.skipped}"/>${snapshotProperty(r)}</properties>`,
    );
    if (r.error) {
      out.push(
        `    <testcase name="load" classname="${escapeXml(r.name)}" time="0"><failure message="${escapeXml(r.error)}">${escapeXml(r.error)}</failure></testcase>`,
      );
    }
    for (const s of top) {
      // The name comes from the step's definition, so it is the same on every run; what happened goes to system-out.
      const open = `    <testcase name="${escapeXml(`${s.id}. ${s.label ?? s.title}`)}" classname="${escapeXml(r.name)}" time="${seconds(s.duration_ms)}"`;
      const out_ = `<system-out>${escapeXml([s.title, s.detail].filter(Boolean).join('\n'))}</system-out>`;
      if (s.status === 'passed') out.push(`${open}>${out_}</testcase>`);
      else if (s.status === 'skipped') out.push(`${open}><skipped/></testcase>`);
      else {
        const message = (s.children ? firstFailure(s.children) : undefined)?.failure?.message ?? s.failure?.message ?? 'failed';
        out.push(`${open}><failure message="${escapeXml(message)}">${escapeXml(failureText(s))}</failure>${out_}</testcase>`);
      }
    }
    // Each run's stage latencies (queue wait, first thinking, tools, total), for the CI log.
    const stages = formatRunsStages(r.runs);
    if (stages.length > 0) out.push(`    <system-out>${escapeXml(stages.join('\n'))}</system-out>`);
    out.push('  </testsuite>');
  }
  // Selected but not run (--bail, or interrupted): visible as skipped, not missing.
  for (const n of notRun) {
    out.push(`  <testsuite name="${escapeXml(n.name)}" tests="1" failures="0" errors="0" skipped="1" time="0" file="${escapeXml(n.file)}">`);
    out.push(`    <testcase name="not run" classname="${escapeXml(n.name)}" time="0"><skipped message="not run"/></testcase>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
