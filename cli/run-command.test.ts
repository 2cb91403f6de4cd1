/**
 * `flowscope run` end to end: real scenarios against an embedded backend and against a
 * separately started `flowscope serve`, each reporter, filters, and a scenario that
 * expects what the backend does not do.
 */
import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { startServeProcess } from '../test/support/serve-process.ts';
import { postgresAvailable, redisAvailable, TEST_DATABASE_URL, TEST_REDIS_URL } from '../test/support/test-services.ts';
import type { ScenarioReport } from './report-json.ts';
import { runCommand } from './run-command.ts';
import { captureIo, type CapturedIo } from './test-support/captured-io.ts';

let dir: string;
const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();
const packDir = path.resolve(import.meta.dirname, '../scenarios');

function capture(): CapturedIo {
  return captureIo(dir, { env: { TEST_CONTENT: 'What is 6 * 7?' } });
}

const passing = `flowscope: 1
name: Passing flow
tags: [smoke]
users:
  a: {}
  b: { transport: ws }
steps:
  - parallel:
      - [ { connect: a } ]
      - [ { connect: b } ]
  - send: { as: a, message: { type: user_message, payload: { content: "{{env.TEST_CONTENT}}" } }, save_as: r1 }
  - expect_run: { user: a, run: "{{r1.run_id}}", status: succeeded, response: { $contains: "42" } }
  - expect_nothing: { user: b }
`;

const failing = `flowscope: 1
name: Expects a tool that is not called
tags: [negative]
users:
  a: {}
steps:
  - connect: a
  - send: { as: a, message: { type: user_message, payload: { content: "What is 6 * 7?" } }, save_as: r1 }
  - expect_run:
      user: a
      run: "{{r1.run_id}}"
      payloads: { tool_executing: { tool: search_docs } }
  - sleep: 1
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-run-test-'));
  await fs.mkdir(path.join(dir, 'pack/nested'), { recursive: true });
  await fs.writeFile(path.join(dir, 'pack/passing.yaml'), passing);
  await fs.writeFile(path.join(dir, 'pack/nested/failing.yml'), failing);
  await fs.writeFile(path.join(dir, 'broken.json'), '{"flowscope":1,"name":"broken","users":{"a":{}},"steps":[{"send":{"as":"a"}}]}');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('flowscope run', () => {
  it('runs a folder on an embedded backend: exit 1 when one scenario fails, with expected against received', async () => {
    const io = capture();
    const code = await runCommand(['pack'], io);
    expect(code).toBe(1);
    const out = io.out();
    expect(out).toMatch(/Embedded backend at http:\/\/127\.0\.0\.1:\d+/);
    expect(out).toContain('✓ 3. expect run');
    expect(out).toContain('PASS');
    expect(out).toContain('✗ 3. expect run');
    expect(out).toMatch(/expected:\n\s+tool_executing\.payload\.tool: "search_docs"\n\s+received:\n\s+tool_executing\.payload\.tool: "calculator"/);
    expect(out).toMatch(/payload does not match\n\s+at pack\/nested\/failing\.yml:9:5\n/); // where the failed step is written
    expect(out).toContain('- 4. sleep'); // skipped after the failure
    expect(out).toContain('Scenarios: 1 passed, 1 failed, 2 total');
    // Each run's stage latencies, before the verdict.
    expect(out).toMatch(/⏱ run run_\S+ \(a, succeeded\): queue \d[^·]* · first thinking [^·]+ · calculator [^·]+ · total \d[^\n]*\n\s+PASS/);
  });

  it('exits 0 when every assertion holds, and writes a JSON report with the runs and their five events', async () => {
    const io = capture();
    const code = await runCommand(['pack', '--tag', 'smoke', '--reporter', 'json', '--out', 'out/report.json'], io);
    expect(code).toBe(0);
    const report = JSON.parse(await fs.readFile(path.join(dir, 'out/report.json'), 'utf8')) as ScenarioReport;
    expect(report.summary).toMatchObject({ scenarios: 1, passed: 1, failed: 0 });
    const [scenario] = report.scenarios;
    expect(scenario?.runs).toHaveLength(1);
    expect(new Set(scenario?.runs[0]?.events.map((e) => e.type))).toEqual(
      new Set(['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed']),
    );
    expect(scenario?.runs[0]?.events.map((e) => e.seq)).toEqual(scenario?.runs[0]?.events.map((_, i) => i + 1));
    // The run's stage breakdown, from the ack on.
    const run = scenario?.runs[0];
    expect(run?.ack_at_ms).toBeGreaterThan(0);
    expect(run?.stages).toMatchObject({ total_from: 'ack', status: 'succeeded', duplicates: 0, ack_at_ms: run?.ack_at_ms });
    expect(run?.stages?.queue_wait_ms).toBeGreaterThanOrEqual(0);
    expect(run?.stages?.total_ms).toBeGreaterThanOrEqual((run?.stages?.queue_wait_ms ?? 0) + (run?.stages?.first_thinking_ms ?? 0));
    expect(run?.stages?.tools).toEqual([expect.objectContaining({ tool: 'calculator', state: 'completed', ok: true })]);
    expect(io.out()).toContain('Report written to out/report.json');
  });

  it('junit on stdout stays machine readable; progress goes to stderr', async () => {
    const io = capture();
    const code = await runCommand(['pack', '--grep', 'tool that', '--reporter', 'junit'], io);
    expect(code).toBe(1);
    const xml = io.out();
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="flowscope" tests="4" failures="1"')).toBe(true);
    expect(xml).toContain('<testsuite name="Expects a tool that is not called" tests="4" failures="1" errors="0" skipped="1"');
    expect(xml).toMatch(/<failure message="[^"]*payload does not match">[^<]*tool_executing\.payload\.tool: &quot;search_docs&quot;/);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toContain('at pack/nested/failing.yml:9:5');
    expect(xml).toMatch(/<\/testcase>\n {4}<system-out>⏱ run run_\S+ \(a, succeeded\): queue [^<]+ · total [^<]+<\/system-out>\n {2}<\/testsuite>/);
    expect(io.err()).toContain('Expects a tool that is not called');
  });

  it('dots: a character per step for CI logs, then each failure with expected against received, and the summary', async () => {
    const io = capture();
    expect(await runCommand(['pack', 'broken.json', '--reporter', 'dots'], io)).toBe(1);
    const out = io.out();
    // nested/failing.yml: connect, send, expect_run (F), sleep (-); passing.yaml: parallel (2 connects), send, expect_run, expect_nothing; broken.json: E.
    expect(out).toContain('\n..F-.....E\n');
    expect(out).not.toContain('✓');
    expect(out).toMatch(
      /\n1\) Expects a tool that is not called {2}pack\/nested\/failing\.yml\n {3}step 3\. expect run [^\n]+\n {5}[^\n]*payload does not match\n {5}at pack\/nested\/failing\.yml:9:5\n {5}expected:\n/,
    );
    expect(out).toContain('2) broken.json\n   invalid scenario:\n   broken.json:1:59: steps[0].send: send needs exactly one of message, raw, oversize_bytes\n');
    expect(out.match(/Scenarios: 1 passed, 2 failed, 3 total/g)).toHaveLength(1);
  });

  it('a wait still waiting says so every few seconds in the pretty output, never in dots or in a report file', async () => {
    await fs.writeFile(
      path.join(dir, 'waits.yaml'),
      'flowscope: 1\nname: waits\nusers: { a: {} }\nsteps:\n  - connect: a\n  - wait: { user: a, match: { type: agent_completed }, timeout_ms: 900 }\n',
    );
    const pretty = capture();
    expect(await runCommand(['waits.yaml', '--still-waiting-ms', '200', '--reporter', 'junit', '--out', 'waits.xml'], pretty)).toBe(1);
    expect(pretty.out()).toMatch(/^ {2}… 2\. still waiting for \{"type":"agent_completed"\} on a \(0\.\d s of 0\.9 s\)$/m);
    expect(pretty.out()).toContain('nothing matching arrived within 900 ms');
    expect(await fs.readFile(path.join(dir, 'waits.xml'), 'utf8')).not.toContain('still waiting');
    const dots = capture();
    expect(await runCommand(['waits.yaml', '--still-waiting-ms', '200', '--reporter', 'dots'], dots)).toBe(1);
    expect(dots.out()).toContain('\n.F\n');
    expect(dots.out()).not.toContain('still waiting');
  });

  it('an invalid file fails the run with its path and the problem', async () => {
    const io = capture();
    expect(await runCommand(['broken.json'], io)).toBe(1);
    // Located as file:line:column (the "send" key of the one-line JSON), not only by its path.
    expect(io.out()).toContain(
      'broken.json\n  ✗ invalid scenario:\n    broken.json:1:59: steps[0].send: send needs exactly one of message, raw, oversize_bytes',
    );
  });

  it('usage errors exit 2 and say what is wrong', async () => {
    for (const [args, text] of [
      [[], 'name at least one scenario file or folder'],
      [['pack', '--reporter', 'xml'], '--reporter must be pretty, dots, json or junit'],
      [['pack', '--target', 'ftp://x'], '--target must be an http(s) URL'],
      [['nope'], 'nope: no such file or folder'],
      [['pack', '--wat'], 'flowscope run: unknown option --wat\n\nUsage: flowscope run'],
      [['pack', '--grpe', 'x'], 'flowscope run: unknown option --grpe (did you mean --grep?)\n\nUsage: flowscope run'],
      [['pack', '--out'], 'flowscope run: --out needs a value\n\nUsage: flowscope run'],
    ] as const) {
      const io = capture();
      expect(await runCommand([...args], io)).toBe(2);
      expect(io.err()).toContain(text);
    }
    const io = capture();
    expect(await runCommand(['pack', '--tag', 'nothing-has-this'], io)).toBe(1);
    expect(io.err()).toContain('no scenario matched');
  });

  it('a bad pattern is refused when the file loads, with its path', async () => {
    await fs.writeFile(
      path.join(dir, 'bad-pattern.yaml'),
      'flowscope: 1\nname: bad pattern\nusers: { a: {} }\nsteps:\n  - connect: a\n  - wait: { user: a, match: { run_id: { $regex: "^run_(" }, type: { $regx: x } } }\n',
    );
    const io = capture();
    expect(await runCommand(['bad-pattern.yaml'], io)).toBe(1);
    expect(io.out()).toContain('bad-pattern.yaml:6:41: steps[1].wait.match.run_id.$regex: not a valid regular expression');
    expect(io.out()).toContain('bad-pattern.yaml:6:69: steps[1].wait.match.type.$regx: unknown operator $regx');
  });

  it('--bail lists what did not run; --scenario-timeout-ms stops a scenario that hangs', async () => {
    await fs.mkdir(path.join(dir, 'slow'), { recursive: true });
    await fs.writeFile(path.join(dir, 'slow/a-hangs.yaml'), 'flowscope: 1\nname: hangs\nusers: { a: {} }\nsteps:\n  - sleep: 60000\n');
    await fs.writeFile(path.join(dir, 'slow/b-next.yaml'), 'flowscope: 1\nname: next\nusers: { a: {} }\nsteps:\n  - sleep: 1\n');
    await fs.writeFile(path.join(dir, 'slow/report.json'), '{"flowscope_report":1,"scenarios":[]}');
    const io = capture();
    const code = await runCommand(['slow', '--bail', '--scenario-timeout-ms', '300', '--reporter', 'junit', '--out', 'slow-report/junit.xml'], io);
    expect(code).toBe(1);
    expect(io.out()).toContain('skipped slow/report.json: not a scenario (no flowscope: key)');
    expect(io.out()).toContain('scenario timed out after 300 ms (--scenario-timeout-ms)');
    expect(io.out()).toContain('Scenarios: 0 passed, 1 failed, 1 not run, 2 total');
    expect(io.out()).toContain('- next  slow/b-next.yaml (not run)');
    const xml = await fs.readFile(path.join(dir, 'slow-report/junit.xml'), 'utf8');
    expect(xml).toContain('<testsuite name="next" tests="1" failures="0" errors="0" skipped="1"');
  });

  it('usage problems found before the run: a bad --grep regex, an --out that is a folder, an unreachable --target', async () => {
    const grep = capture();
    expect(await runCommand(['pack', '--grep', '/(/'], grep)).toBe(2);
    expect(grep.err()).toContain('--grep /(/: Invalid regular expression');
    const out = capture();
    expect(await runCommand(['pack', '--out', '.'], out)).toBe(2);
    expect(out.err()).toMatch(/--out .* is a directory: name a file/);
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as net.AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const target = capture();
    expect(await runCommand(['pack', '--target', `http://127.0.0.1:${port}`], target)).toBe(1);
    expect(target.err()).toBe(`flowscope run: cannot reach http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  describe('against a separately started flowscope serve', () => {
    let child: ChildProcess;
    let url: string;
    beforeAll(async () => {
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-run-serve-'));
      ({ child, url } = await startServeProcess(['--data-dir', dataDir], {}));
    });
    afterAll(() => {
      child.kill('SIGTERM');
    });

    it('--target runs the same scenarios over the network', async () => {
      const io = capture();
      const code = await runCommand(['pack', '--target', url, '--grep', '/^passing/i', '--transport', 'ws'], io);
      expect(code).toBe(0);
      expect(io.out()).toContain(`Target ${url}`);
      expect(io.out()).toContain('connect a over ws');
    });
  });

  it.skipIf(!pgUp.available || !redisUp.available)(
    'the golden scenarios pass on an embedded backend over PostgreSQL and Redis, which leaves no schema behind',
    async () => {
      const io = capture();
      const code = await runCommand([path.join(packDir, 'golden'), '--database-url', TEST_DATABASE_URL, '--redis-url', TEST_REDIS_URL], io);
      expect(io.out()).toContain('(PostgreSQL + Redis)');
      expect(code).toBe(0);
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      try {
        const left = await client.query('SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE $1', [`flowscope_tmp_${process.pid}_%`]);
        expect(left.rows).toEqual([]);
      } finally {
        await client.end();
      }
    },
  );
});
