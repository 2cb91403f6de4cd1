/**
 * The example agents of examples/agents/ as real child processes: started with PORT=0, each
 * resolves with the URL it prints, and is stopped when the test file ends (`stopExamples`
 * in afterAll). Python is needed for the Python example: in CI its absence fails, elsewhere
 * the tests that need it are skipped with one line.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { IN_CI } from './test-services.ts';

export const EXAMPLES_ROOT = path.resolve(import.meta.dirname, '../..');
export const PYTHON_EXAMPLE = path.join(EXAMPLES_ROOT, 'examples/agents/python/agent.py');
export const TS_EXAMPLE = path.join(EXAMPLES_ROOT, 'examples/agents/typescript/http-agent.ts');

/** Whether python3 runs here; `what` names the tests that need it, for the CI error and the skip line. */
export function pythonAvailable(what: string): boolean {
  const available = spawnSync('python3', ['--version']).status === 0;
  if (!available) {
    if (IN_CI) throw new Error(`python3 is required in CI for ${what}`);
    console.warn(`SKIPPED: ${what} (python3 not found)`);
  }
  return available;
}

const children: ChildProcess[] = [];

/** Starts an example with PORT=0 and resolves with the URL it prints; rejects if it exits first or takes over 15 s. */
export function startExample(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { cwd: EXAMPLES_ROOT, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start: ${out}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /agent listening on (http:\/\/\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${String(code)}: ${out}`));
    });
  });
}

/** Stops every example this file started. */
export function stopExamples(): void {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGTERM');
}
