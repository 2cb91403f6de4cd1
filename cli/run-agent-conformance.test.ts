/**
 * `flowscope run scenarios/agent-conformance --agent-module FILE --agent NAME`: the built-in
 * any-agent pack against a user's module in an embedded backend, as CI would run it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
