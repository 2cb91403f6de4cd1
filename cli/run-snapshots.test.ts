/**
 * `expect_snapshot` through `flowscope run` on an embedded backend: a missing snapshot is
 * written locally (reported as written) and fails in CI; a matching one passes; a different
 * agent behaviour fails at the step's file:line with the first differing path and a diff;
 * `--update-snapshots` rewrites it; the JSON and JUnit reports count what happened.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioReport } from './report-json.ts';
import { runCommand } from './run-command.ts';
import { captureIo } from './test-support/captured-io.ts';

let dir: string;
const flow = (expression: string) => `flowscope: 1
name: Snapshot flow
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "What is ${expression}?" } }, save_as: r1 }
  - expect_snapshot:
      user: a
      run: "{{r1.run_id}}"
      name: calc
      ignore: [agent_thinking.payload.thought]
`;
const file = () => path.join(dir, 'pack/__snapshots__/flow.calc.json');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-snap-test-'));
  await fs.mkdir(path.join(dir, 'pack'));
  await fs.writeFile(path.join(dir, 'pack/flow.yaml'), flow('6 * 7'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('flowscope run with expect_snapshot', () => {
  it('in CI, a missing snapshot fails and nothing is written', async () => {
    const io = captureIo(dir, { env: { CI: 'true' } });
    expect(await runCommand(['pack'], io)).toBe(1);
    expect(io.out()).toMatch(/snapshot calc is missing \(pack\/__snapshots__\/flow\.calc\.json\); CI never writes snapshots/);
    expect(io.out()).toContain('at pack/flow.yaml:8:5');
    await expect(fs.stat(file())).rejects.toThrow(/ENOENT/);
  });

  it('locally, a missing snapshot is written and reported as written; the next run matches it', async () => {
    const io = captureIo(dir);
    expect(await runCommand(['pack'], io)).toBe(0);
    expect(io.out()).toMatch(/✎ 3\. snapshot calc written \(6 events\): pack\/__snapshots__\/flow\.calc\.json/);
    expect(io.out()).toMatch(/Snapshots: 1 written\n\s+✎ pack\/__snapshots__\/flow\.calc\.json/);
    // The step compared nothing: the scenario's line counts it as written, not passed.
    expect(io.out()).toMatch(/PASS 2 passed, 1 written, 0 failed, 0 skipped/);
    const text = await fs.readFile(file(), 'utf8');
    const lines = text.split('\n');
    expect(lines.filter((l) => l.startsWith('    {"'))).toHaveLength(6); // one event per line
    expect(text).toContain('"run_id":"<run:1>"');
    expect(text).toContain('"thought":"<ignored>"');
    expect(text).toContain('"duration_ms":"<ms>"');
    expect(text).not.toMatch(/run_[0-9a-f]{8}/);

    const again = captureIo(dir, { env: { CI: '1' } });
    expect(await runCommand(['pack'], again)).toBe(0);
    expect(again.out()).toMatch(/✓ 3\. snapshot calc matched \(6 events\)/);
    expect(again.out()).toContain('Snapshots: 1 matched');
  });

  it('a changed behaviour fails at file:line with the first differing path and a diff; --update-snapshots rewrites it', async () => {
    const before = await fs.readFile(file(), 'utf8');
    await fs.writeFile(path.join(dir, 'pack/flow.yaml'), flow('6 * 8'));
    const io = captureIo(dir);
    expect(await runCommand(['pack', '--reporter', 'json', '--out', 'report.json'], io)).toBe(1);
    const out = io.out();
    expect(out).toContain('✗ 3. expect snapshot calc of run');
    expect(out).toContain('snapshot calc differs at events[0].payload.input (pack/__snapshots__/flow.calc.json)');
    expect(out).toContain('at pack/flow.yaml:8:5');
    expect(out).toMatch(/expected:\n\s+events\[0\]\.payload\.input: "What is 6 \* 7\?"\n\s+received:\n\s+events\[0\]\.payload\.input: "What is 6 \* 8\?"/);
    expect(out).toMatch(/- expected \+ received\n\s+- \{.*"input":"What is 6 \* 7\?"/);
    expect(out).toMatch(/\n\s+\+ \{.*"result":\{"expression":"6 \* 8","value":48\}/);
    expect(await fs.readFile(file(), 'utf8')).toBe(before);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8')) as ScenarioReport;
    expect(report.summary.snapshots).toEqual({ matched: 0, written: 0, updated: 0, failed: 1, obsolete: 0, removed: 0 });
    const step = report.scenarios[0]?.steps[2];
    expect(step?.snapshot).toMatchObject({ name: 'calc', outcome: 'mismatch', first_difference: { path: 'events[0].payload.input' }, expected: before });
    expect(step?.source).toBe('pack/flow.yaml:8:5');

    const update = captureIo(dir);
    expect(await runCommand(['pack', '--update-snapshots', '--reporter', 'junit', '--out', 'junit.xml'], update)).toBe(0);
    expect(update.out()).toMatch(/✎ 3\. snapshot calc updated \(was different at events\[0\]\.payload\.input\)/);
    expect(await fs.readFile(path.join(dir, 'junit.xml'), 'utf8')).toContain('<property name="snapshots" value="1 updated"/>');
    expect(await fs.readFile(file(), 'utf8')).toContain('"value":48');
    const green = captureIo(dir, { env: { CI: 'true' } });
    expect(await runCommand(['pack', '--reporter', 'dots'], green)).toBe(0);
    expect(green.out()).toContain('Snapshots: 1 matched');
  });

  it('a name may use templates (one file per repeat iteration); two steps on one file fail', async () => {
    const repeat = `flowscope: 1
name: Repeated snapshots
users:
  a: {}
steps:
  - connect: a
  - repeat:
      times: 2
      index: i
      steps:
        - send: { as: a, message: { type: user_message, payload: { content: "What is {{i}} + 1?" } }, save_as: r }
        - expect_snapshot: { user: a, run: "{{r.run_id}}", name: "turn-{{i}}" }
`;
    await fs.mkdir(path.join(dir, 'names'));
    await fs.writeFile(path.join(dir, 'names/repeat.yaml'), repeat);
    const io = captureIo(dir);
    expect(await runCommand(['names/repeat.yaml'], io)).toBe(0);
    expect(io.out()).toContain('Snapshots: 2 written');
    expect((await fs.readdir(path.join(dir, 'names/__snapshots__'))).sort()).toEqual(['repeat.turn-0.json', 'repeat.turn-1.json']);
    expect(await fs.readFile(path.join(dir, 'names/__snapshots__/repeat.turn-1.json'), 'utf8')).toContain('"input":"What is 1 + 1?"');

    await fs.writeFile(path.join(dir, 'names/same.yaml'), repeat.replace('name: "turn-{{i}}"', 'name: turn'));
    const same = captureIo(dir);
    expect(await runCommand(['names/same.yaml'], same)).toBe(1);
    expect(same.out()).toMatch(
      /snapshot turn: names\/__snapshots__\/same\.turn\.json is already the snapshot of step [\d.]+; give each expect_snapshot its own name/,
    );
  });

  it('lists the snapshot files a passed scenario no longer uses as obsolete; --update-snapshots removes them', async () => {
    // After the test above: names/ holds repeat.yaml (turn-0, turn-1) and same.yaml. One turn less:
    const once = (await fs.readFile(path.join(dir, 'names/repeat.yaml'), 'utf8')).replace('times: 2', 'times: 1');
    await fs.writeFile(path.join(dir, 'names/repeat.yaml'), once);
    // A scenario whose base starts with "repeat.": its snapshot is its own, not repeat.yaml's.
    await fs.writeFile(path.join(dir, 'names/__snapshots__/repeat.extra.calc.json'), '{}\n');
    await fs.writeFile(path.join(dir, 'names/repeat.extra.yaml'), 'flowscope: 1\nname: Extra\nusers:\n  a: {}\nsteps:\n  - connect: a\n');

    // With a --var, templated names may differ from the committed ones: not judged.
    const withVar = captureIo(dir);
    expect(await runCommand(['names/repeat.yaml', '--var', 'x=1'], withVar)).toBe(0);
    expect(withVar.out()).not.toContain('obsolete');

    const io = captureIo(dir, { env: { CI: 'true' } });
    expect(await runCommand(['names/repeat.yaml', '--reporter', 'json', '--out', 'obsolete.json'], io)).toBe(0);
    expect(io.out()).toMatch(
      /Snapshots: 1 matched, 1 obsolete\n\s+\? names\/__snapshots__\/repeat\.turn-1\.json \(obsolete: no step uses it; --update-snapshots removes it\)/,
    );
    const report = JSON.parse(await fs.readFile(path.join(dir, 'obsolete.json'), 'utf8')) as ScenarioReport;
    expect(report.summary.snapshots).toMatchObject({ matched: 1, obsolete: 1, removed: 0 });
    expect(report.scenarios[0]?.obsolete_snapshots).toEqual({ files: ['names/__snapshots__/repeat.turn-1.json'], removed: false });
    expect(await fs.readFile(path.join(dir, 'names/__snapshots__/repeat.turn-1.json'), 'utf8')).toContain('1 + 1');

    const update = captureIo(dir);
    expect(await runCommand(['names/repeat.yaml', '--update-snapshots'], update)).toBe(0);
    expect(update.out()).toMatch(/Snapshots: 1 matched, 1 obsolete removed\n\s+− names\/__snapshots__\/repeat\.turn-1\.json \(obsolete, removed\)/);
    expect((await fs.readdir(path.join(dir, 'names/__snapshots__'))).sort()).toEqual(['repeat.extra.calc.json', 'repeat.turn-0.json', 'same.turn.json']);

    // The scenario whose snapshot that is has no expect_snapshot step: its file is obsolete.
    const extra = captureIo(dir);
    expect(await runCommand(['names/repeat.extra.yaml'], extra)).toBe(0);
    expect(extra.out()).toContain('Snapshots: 1 obsolete');
    // A failed run skips steps: nothing is judged.
    const failed = captureIo(dir);
    expect(await runCommand(['names/same.yaml'], failed)).toBe(1);
    expect(failed.out()).not.toContain('obsolete');
  });
});
