/**
 * An agent over HTTP behind a bearer token, configured the way a user of `flowscope serve`
 * does it: AGENT_URLS / AGENT_HEADERS / --agent-idle-timeout-ms through loadConfig(env, argv),
 * then a real backend. With the header the run succeeds; without it (or with a wrong one) the
 * run fails with the agent's 401 in `agent_completed.error`; an agent that stalls fails with
 * the idle timeout. The header's value shows up in no failure text and no log line, and the
 * same holds for a real `flowscope serve` process given the flags.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { loadConfig, startBackend, type RunningBackend } from '../../backend/index.ts';
import { ndjson, startAgentServer, SUCCEEDED, THINK, type AgentTestServer } from '../../backend/agents/http/agent-test-server.ts';
import { wrapConnection, type TestClient } from '../support/backend-harness.ts';
import { startServeProcess } from '../support/serve-process.ts';

const TOKEN = 'tok-7f3a9c1e5b-right';
const WRONG = 'tok-0d2e4f6a8c-wrong';
const SECRET = 'auth-test-secret-auth-test-secret-0123456789';

let guarded: AgentTestServer;
let stalling: AgentTestServer;
let backend: RunningBackend;
const logLines: string[] = [];
const clients: TestClient[] = [];
const dataDirs: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-agent-auth-'));
  dataDirs.push(dir);
  return dir;
}

beforeAll(async () => {
  // Answers 401 unless the request carries the right bearer token (it does not echo what it got).
  guarded = await startAgentServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      res.end('missing or wrong bearer token');
      return;
    }
    ndjson(res, [THINK, SUCCEEDED]);
  });
  // Sends one line, then nothing.
  stalling = await startAgentServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    res.write(`${JSON.stringify(THINK)}\n`);
  });
  const env = {
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: tempDir(),
    JWT_SECRET: SECRET,
    AGENT_URLS: `guarded=${guarded.url},bare=${guarded.url},wrong=${guarded.url},slow=${stalling.url}`,
    AGENT_HEADERS: [`guarded=Authorization: Bearer ${TOKEN}`, `wrong=Authorization: Bearer ${WRONG}`, `slow=Authorization: Bearer ${TOKEN}`].join('\n'),
    AGENT_IDLE_TIMEOUT_MS: '60000',
  };
  // The flag wins over AGENT_IDLE_TIMEOUT_MS.
  const config = loadConfig(env, ['--agent-idle-timeout-ms', '300']);
  backend = await startBackend(config, (level, message, err) => {
    logLines.push(`${level}: ${message}${err instanceof Error ? ` (${err.message}) ${err.stack ?? ''}` : ''}`);
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await backend?.close();
  await guarded?.close();
  await stalling?.close();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function client(url: string, token: string): Promise<TestClient> {
  const c = wrapConnection(connect({ url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
  clients.push(c);
  await c.connection.ready;
  return c;
}

async function run(c: TestClient, id: string, agent: string) {
  c.send({ type: 'user_message', message_id: id, payload: { content: 'go', agent } });
  const ack = await c.waitFor((e) => e.type === 'message_ack' && e.message_id === id);
  const events = await c.runEvents((ack.payload as { run_id: string }).run_id);
  return events.at(-1)?.payload as { status: string; response: string | null; error: string | null };
}

describe('an agent over HTTP behind a bearer token, configured by environment and flags', () => {
  it('succeeds with the header; fails with the 401 named without it or with a wrong one; a stall fails with the idle timeout', async () => {
    const c = await client(backend.url, await backend.mintToken('ada'));
    expect(await run(c, 'm1', 'guarded')).toMatchObject({ status: 'succeeded', response: '3 words', error: null });
    expect(guarded.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);

    const bare = await run(c, 'm2', 'bare');
    expect(bare).toMatchObject({ status: 'failed', response: null });
    expect(bare.error).toBe(`http agent 'bare': POST ${guarded.url} answered 401 Unauthorized: missing or wrong bearer token`);
    expect(guarded.requests[1]?.headers.authorization).toBeUndefined();

    const wrong = await run(c, 'm3', 'wrong');
    expect(wrong.error).toBe(`http agent 'wrong': POST ${guarded.url} answered 401 Unauthorized: missing or wrong bearer token`);
    expect(guarded.requests[2]?.headers.authorization).toBe(`Bearer ${WRONG}`);

    const slow = await run(c, 'm4', 'slow');
    expect(slow).toMatchObject({ status: 'failed', response: null });
    expect(slow.error).toBe("http agent 'slow': no bytes for 300 ms after line 1 (idle timeout)");
    expect(stalling.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('no failure text, stored event or log line holds a header value (the backend logs nothing of these runs)', async () => {
    const rest = createRestClient(backend.url);
    const token = await backend.mintToken('ada');
    const runs = await rest.listRuns(token);
    expect(runs.length).toBe(4);
    const stored = JSON.stringify(await Promise.all(runs.map((r) => rest.getRunEvents(token, r.id))));
    expect(stored).toContain('answered 401 Unauthorized');
    expect(stored).toContain('(idle timeout)');
    for (const value of [TOKEN, WRONG]) expect(stored).not.toContain(value);
    for (const value of [TOKEN, WRONG]) expect(logLines.join('\n')).not.toContain(value);
  });
});

describe('flowscope serve with --agent-header', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGTERM');
  });

  it('sends the header, refuses one for an undeclared agent, and prints neither value', async () => {
    const started = await startServeProcess(
      ['--data-dir', tempDir(), '--agent-url', `guarded=${guarded.url}`, '--agent-header', `guarded=Authorization: Bearer ${TOKEN}`],
      { JWT_SECRET: SECRET, DATABASE_URL: '', REDIS_URL: '', AGENT_URLS: '', AGENT_HEADERS: `ghost=Authorization: Bearer ${WRONG}` },
    );
    child = started.child;
    const { token } = await createRestClient(started.url).mintToken('bob');
    const c = await client(started.url, token);
    expect(await run(c, 'm1', 'guarded')).toMatchObject({ status: 'succeeded' });
    c.close();
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    const output = started.output();
    expect(output).toContain(`flowscope: agents guarded (${guarded.url})`);
    expect(output).toContain('shutting down');
    expect(output).not.toContain(TOKEN);

    // An AGENT_HEADERS entry for an agent no AGENT_URLS entry declares stops start-up, naming it.
    await expect(
      startServeProcess(['--data-dir', tempDir()], {
        JWT_SECRET: SECRET,
        DATABASE_URL: '',
        REDIS_URL: '',
        AGENT_URLS: `guarded=${guarded.url}`,
        AGENT_HEADERS: `ghost=Authorization: Bearer ${WRONG}`,
      }).then(({ child: stray }) => stray.kill('SIGKILL')),
    ).rejects.toThrow(
      /serve exited with 1: .*agent header "Authorization" for agent "ghost": no --agent-url \/ AGENT_URLS entry declares that agent \(declared: guarded\)/s,
    );
  }, 60_000);
});
