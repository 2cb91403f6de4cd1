/**
 * A second (or third) real backend for the Playwright specs: `flowscope serve` on a free port
 * of 127.0.0.1 with its own data directory, stopped cleanly (SIGTERM) or killed (SIGKILL, a
 * crash) and started again on the same port and data (a restart). Its output is kept in
 * serve.log in its data directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class BackendProcess {
  private child: ChildProcess | null = null;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-e2e-extra-'));

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(env: Record<string, string> = {}): Promise<BackendProcess> {
    const backend = new BackendProcess(await freePort(), env);
    await backend.restart();
    return backend;
  }

  /** Starts it (again): the same port and data directory. */
  async restart(): Promise<void> {
    const child = spawn(process.execPath, ['bin/flowscope.js', 'serve', '--port', String(this.port), '--data-dir', this.dataDir], {
      env: { ...process.env, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let log = '';
    const logFile = path.join(this.dataDir, 'serve.log');
    const keep = (d: Buffer) => {
      log += d.toString();
      fs.appendFileSync(logFile, d);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}: ${log}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`backend on ${this.url} did not come up: ${log}`);
  }

  /** Stops it: SIGTERM (a clean shutdown) or SIGKILL (a crash). */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
    child.kill(signal);
    // A clean shutdown takes well under a second; one that hangs is a bug worth its own message.
    const inTime = await Promise.race([exited, new Promise<boolean>((r) => setTimeout(() => r(false), 15_000).unref())]);
    if (!inTime) {
      child.kill('SIGKILL');
      throw new Error(`backend on ${this.url} did not exit within 15 s of ${signal}; its log: ${path.join(this.dataDir, 'serve.log')}`);
    }
  }
}
