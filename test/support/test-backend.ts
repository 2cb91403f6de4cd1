/**
 * Starts a real backend on an ephemeral port of 127.0.0.1 for tests, with a temporary data
 * directory and a fixed JWT secret. It imports no client: tests beside backend code use it
 * over HTTP or raw sockets; system tests use backend-harness.ts, which adds clients.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend, type BackendOptions, type RunningBackend } from '../../backend/server/flowscope-server.ts';

export interface TestBackend {
  backend: RunningBackend;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestBackend(config: BackendOptions = {}): Promise<TestBackend> {
  const dataDir = config.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-test-'));
  const backend = await startBackend({ host: '127.0.0.1', port: 0, quiet: true, jwtSecret: 'test-secret-of-sufficient-length-0123456789', ...config, dataDir });
  return { backend, dataDir, close: () => backend.close() };
}
