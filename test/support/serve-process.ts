/** Runs `flowscope serve` as a real child process and waits for its URL. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** `output()`: everything the process wrote to stdout and stderr so far. */
export function startServeProcess(args: string[], env: Record<string, string>): Promise<Listening> {
  const child = spawn(process.execPath, [path.join(root, 'bin/flowscope.js'), 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return waitForListening(child);
}

export interface Listening {
  child: ChildProcess;
  url: string;
  /** The line that gave the URL. */
  line: string;
  output: () => string;
}

/**
 * Resolves once a child (`flowscope serve` however it was started, or another server) prints the
 * line `pattern` matches, its first group the URL. Rejects with its output when it exits first
 * (the error carries `exitCode` and `output`) or after `timeoutMs`.
 */
export function waitForListening(
  child: ChildProcess,
  { timeoutMs = 30_000, pattern = /listening on (http:\/\/\S+)/ }: { timeoutMs?: number; pattern?: RegExp } = {},
): Promise<Listening> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start in ${timeoutMs} ms: ${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, line: m[0], output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited with ${code}: ${out}`), { exitCode: code, output: out }));
    });
  });
}

/** Sends `signal` to a serve process and resolves when it has exited (at once if it already has). */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill(signal);
  return exited;
}
