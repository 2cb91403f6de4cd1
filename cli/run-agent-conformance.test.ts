/**
 * `flowscope run scenarios/agent-conformance --agent-module FILE --agent NAME`: the built-in
 * any-agent pack against a user's module in an embedded backend, as CI would run it.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON_EXAMPLE, pythonAvailable, startExample, stopExamples } from '../test/support/agent-examples.ts';
import { runCommand } from './run-command.ts';
import { captureIo } from './test-support/captured-io.ts';

const root = path.resolve(import.meta.dirname, '..');

describe('the agent-conformance pack against a user agent module', () => {
  it('passes for the example module (parallel tool calls, history) and exits 0', async () => {
    const io = captureIo(root);
    const code = await runCommand(
      ['scenarios/agent-conformance', '--agent-module', 'examples/agents/module/trip-agent.ts', '--agent', 'trip-planner', '--var', 'prompt=Oslo or Lisbon?'],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    expect(io.out()).toMatch(/Scenarios: 4 passed, 0 failed, 4 total/);
  }, 60_000);

  it('fails, saying why, for an agent whose runs fail', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-failing-agent-'));
    const file = path.join(dir, 'failing.ts');
    fs.writeFileSync(file, "export default { name: 'flaky', description: 'fails', async run() { throw new Error('model quota exceeded'); } };\n");
    try {
      const io = captureIo(root);
      const code = await runCommand(['scenarios/agent-conformance/one-run.yaml', '--agent-module', file, '--agent', 'flaky'], io);
      expect(code).toBe(1);
      expect(io.out()).toContain('status failed, expected succeeded');
      expect(io.out()).toContain('model quota exceeded');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses --agent-module with --target, and a malformed --var', async () => {
    const a = captureIo(root);
    expect(await runCommand(['scenarios/agent-conformance', '--target', 'http://127.0.0.1:1', '--agent-module', 'x.ts'], a)).toBe(2);
    expect(a.err()).toContain('--agent-module and --agent-url configure the embedded backend');
    const b = captureIo(root);
    expect(await runCommand(['scenarios/agent-conformance', '--var', 'novalue'], b)).toBe(2);
    expect(b.err()).toContain('--var takes NAME=VALUE, got "novalue"');
  });
});

describe('--agent-url with --agent-header and the timeouts (embedded backend)', () => {
  const TOKEN = 'run-cmd-token-5c1d9e';
  let server: http.Server | undefined;
  afterAll(() => server?.closeAllConnections());
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('sends the header to the agent: the pack passes with it and fails with the 401 without it; bad values are one line', async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          res.writeHead(401).end('bearer token required');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        res.end(`${JSON.stringify({ type: 'agent_completed', payload: { status: 'succeeded', response: 'five', error: null } })}\n`);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/run`;
    const scenario = 'scenarios/agent-conformance/one-run.yaml';
    const withHeader = captureIo(root);
    const args = [scenario, '--agent-url', `guarded=${url}`, '--agent', 'guarded', '--agent-timeout-ms', '20000', '--agent-idle-timeout-ms', '5000'];
    expect(await runCommand([...args, '--agent-header', `guarded=Authorization: Bearer ${TOKEN}`], withHeader)).toBe(0);
    expect(withHeader.out()).toMatch(/Scenarios: 1 passed, 0 failed, 1 total/);
    const without = captureIo(root);
    expect(await runCommand(args, without)).toBe(1);
    expect(without.out()).toContain(`http agent 'guarded': POST ${url} answered 401 Unauthorized: bearer token required`);
    for (const [extra, line] of [
      [
        ['--agent-header', `ghost=Authorization: Bearer ${TOKEN}`],
        'agent header "Authorization" for agent "ghost": no --agent-url / AGENT_URLS entry declares that agent (declared: guarded)',
      ],
      [['--agent-header', `guarded Authorization: Bearer ${TOKEN}`], '--agent-header 1: expected name=Header-Name: value'],
      [['--agent-idle-timeout-ms', '300001'], '--agent-idle-timeout-ms must be an integer from 1 to 300000 (milliseconds), got "300001"'],
    ] as const) {
      const io = captureIo(root);
      expect(await runCommand([...args, ...extra], io)).not.toBe(0);
      expect(io.err()).toContain(line);
      expect(io.err() + io.out()).not.toContain(TOKEN);
    }
    const targeted = captureIo(root);
    expect(await runCommand([scenario, '--target', 'http://127.0.0.1:1', '--agent-header', 'a=X: 1'], targeted)).toBe(2);
    expect(targeted.err()).toContain('as do --agent-header, --agent-protocol, --mcp, --agent-timeout-ms and --agent-idle-timeout-ms; with --target');
  }, 60_000);
});

const hasPython = pythonAvailable('the Python agent conformance test');
afterAll(stopExamples);

describe.runIf(hasPython)('the agent-conformance pack against the Python agent over HTTP', () => {
  it('passes with --agent-url and --agent, the way CI would run a pack against an agent in another language', async () => {
    const url = await startExample('python3', [PYTHON_EXAMPLE]);
    const io = captureIo(root);
    const code = await runCommand(['scenarios/agent-conformance', '--agent-url', `py=${url}`, '--agent', 'py'], io);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/Scenarios: 4 passed, 0 failed, 4 total/);
    expect(code).toBe(0);
  }, 60_000);
});
