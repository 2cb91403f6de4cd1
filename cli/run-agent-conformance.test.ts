/**
 * `flowscope run scenarios/agent-conformance --agent-module FILE --agent NAME`: the built-in
 * any-agent pack against a user's module in an embedded backend, as CI would run it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IN_CI } from '../test/support/test-services.ts';
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

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython && IN_CI) throw new Error('python3 is required in CI for the Python agent conformance test');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

describe.runIf(hasPython)('the agent-conformance pack against the Python agent over HTTP', () => {
  it('passes with --agent-url and --agent, the way CI would run a pack against an agent in another language', async () => {
    const child = spawn('python3', ['examples/agents/python/agent.py'], { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the Python agent did not start: ${out}`)), 15_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /agent listening on (http:\/\/\S+)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    const io = captureIo(root);
    const code = await runCommand(['scenarios/agent-conformance', '--agent-url', `py=${url}`, '--agent', 'py'], io);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/Scenarios: 4 passed, 0 failed, 4 total/);
    expect(code).toBe(0);
  }, 60_000);
});
