/**
 * The examples users copy (examples/agents/python/agent.py, examples/agents/typescript/
 * http-agent.ts) really started as child processes on free ports, with a run through
 * createHttpAgent and the agent context. python3 missing: skipped with a visible line,
 * except in CI where it is a failure.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IN_CI } from '../../test-support/test-services.ts';
import { createHttpAgent } from './http-agent.ts';
import { recordedContext } from './agent-test-server.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const PYTHON_EXAMPLE = path.join(root, 'examples/agents/python/agent.py');
const TS_EXAMPLE = path.join(root, 'examples/agents/typescript/http-agent.ts');

const hasPython = spawnSync('python3', ['--version']).status === 0;
if (!hasPython) {
  if (IN_CI) throw new Error('python3 is required in CI for the Python agent example test');
  console.warn('SKIPPED: the Python agent example test (python3 not found)');
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
});

/** Starts an example with PORT=0 and resolves with the URL it prints. */
function startExample(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
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

async function runThrough(url: string): Promise<void> {
  const run = recordedContext({ content: 'how many words are here', history: [{ role: 'user', content: 'hi' }] });
  const result = await createHttpAgent({ name: 'mine', url }).run(run.context);
  await run.context.settle('ended');
  expect(result).toEqual({ response: 'Your message has 5 words.' });
  expect(run.events.map((event) => event.type)).toEqual(['agent_thinking', 'tool_executing', 'tool_completed']);
  expect(run.events[0]?.payload).toEqual({ thought: 'Counting words (1 earlier turns)', step: 1 });
  expect(run.events[1]?.payload).toEqual({ tool: 'word_count', call_id: 'run-1:wc-1', args: { text: 'how many words are here' } });
  expect(run.events[2]?.payload).toMatchObject({ tool: 'word_count', call_id: 'run-1:wc-1', ok: true, result: { words: 5 } });
}

describe('the agent examples', () => {
  it.skipIf(!hasPython)('examples/agents/python/agent.py', async () => {
    await runThrough(await startExample('python3', [PYTHON_EXAMPLE]));
  });

  it('examples/agents/typescript/http-agent.ts', async () => {
    await runThrough(await startExample(process.execPath, ['--import', 'tsx', TS_EXAMPLE]));
  });
});
