/**
 * The backend `flowscope run` starts when no --target is given: SQLite in a temp folder by
 * default; on a shared PostgreSQL / Redis it gets its own store namespace (the store
 * factory's ephemeral option: a private schema, dropped when the backend closes) and key
 * prefix, so it neither sees nor disturbs another backend's runs.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBackend, type AgentHeaderEntry } from '../backend/index.ts';
import { describeFetchError } from '../client/rest-client.ts';

export interface EmbeddedBackend {
  url: string;
  description: string;
  stop(): Promise<void>;
}

export interface EmbeddedBackendOptions {
  databaseUrl?: string | undefined;
  redisUrl?: string | undefined;
  /** Agent modules to load (`--agent-module`), relative to the working directory. */
  agentModules?: string[] | undefined;
  /** Agents over HTTP, `name=URL` (`--agent-url`). */
  agentUrls?: string[] | undefined;
  /** Their request headers (`--agent-header`). */
  agentHeaders?: AgentHeaderEntry[] | undefined;
  /** Their protocols, `name=ag-ui` (`--agent-protocol`). */
  agentProtocols?: string[] | undefined;
  /** MCP tool servers, `name=<command|URL>` (`--mcp`). */
  mcpServers?: string[] | undefined;
  /** `--agent-timeout-ms`, `--agent-idle-timeout-ms`: for every agent over HTTP. */
  agentTimeoutMs?: number | undefined;
  agentIdleTimeoutMs?: number | undefined;
}

export async function startEmbeddedBackend(options: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
  const tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-run-'));
  const stamp = `${process.pid}_${Date.now().toString(36)}`;
  let backend;
  try {
    backend = await startBackend({
      host: '127.0.0.1',
      port: 0,
      dataDir: tempDir,
      quiet: true,
      databaseUrl: options.databaseUrl,
      redisUrl: options.redisUrl,
      agentModules: options.agentModules ?? [],
      agentUrls: options.agentUrls ?? [],
      agentHeaders: options.agentHeaders ?? [],
      agentProtocols: options.agentProtocols ?? [],
      mcpServers: options.mcpServers ?? [],
      agentTimeoutMs: options.agentTimeoutMs,
      agentIdleTimeoutMs: options.agentIdleTimeoutMs,
      agentReload: false,
      ...(options.databaseUrl ? { databaseEphemeral: true } : {}),
      ...(options.redisUrl ? { cacheKeyPrefix: `flowscope-run:${stamp}:` } : {}),
    });
  } catch (err) {
    await fs.rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  const running = backend;
  return {
    url: running.url,
    description: `${options.databaseUrl ? 'PostgreSQL' : 'SQLite'} + ${options.redisUrl ? 'Redis' : 'in-process cache'}`,
    async stop() {
      try {
        await running.close();
      } finally {
        await fs.rm(tempDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Checks a --target before the scenarios run, so a wrong URL is one clear line, not one
 * failure per scenario. Unreachable is an error; an answer unlike Flowscope's /health is a warning.
 */
export async function probeTarget(target: string): Promise<{ ok: true; warning?: string } | { ok: false; error: string }> {
  const url = `${target.replace(/\/$/, '')}/health`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  } catch (err) {
    const reason = (err as Error).name === 'TimeoutError' ? 'no answer within 5 s' : describeFetchError(err);
    return { ok: false, error: `cannot reach ${target}: ${reason}` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const status = (body as { status?: unknown } | undefined)?.status;
  if (status === 'ok') return { ok: true };
  if (status === 'degraded')
    return { ok: true, warning: `${target} is degraded (HTTP ${res.status}): ${JSON.stringify((body as { failing?: unknown }).failing ?? [])} failing` };
  return {
    ok: true,
    warning: `${url} answered HTTP ${res.status} without a Flowscope health body; running anyway (tokens must be given if it has no /api/dev/token)`,
  };
}

/**
 * The backend a command talks to: `--target` (probed first), or an embedded one. Prints one
 * line saying which; on failure prints why and returns undefined.
 */
export async function resolveTarget(
  command: string,
  options: EmbeddedBackendOptions & { target?: string | undefined },
  io: { stderr: (t: string) => void },
  note: (t: string) => void,
  embeddedRemark = '',
): Promise<{ target: string; embedded?: EmbeddedBackend } | undefined> {
  if (options.target) {
    const probe = await probeTarget(options.target);
    if (!probe.ok) {
      io.stderr(`flowscope ${command}: ${probe.error}\n`);
      return undefined;
    }
    note(`Target ${options.target}\n${probe.warning ? `warning: ${probe.warning}\n` : ''}`);
    return { target: options.target };
  }
  try {
    const embedded = await startEmbeddedBackend(options);
    note(`Embedded backend at ${embedded.url} (${embedded.description})${embeddedRemark}\n`);
    return { target: embedded.url, embedded };
  } catch (err) {
    io.stderr(`flowscope ${command}: cannot start the embedded backend: ${err instanceof Error ? err.message : String(err)}\n`);
    return undefined;
  }
}
