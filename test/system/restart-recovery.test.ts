/**
 * A real `flowscope serve` process is killed with SIGKILL mid-run: after a restart on the
 * same data directory, the cut-off run ends `interrupted` and the queued runs execute.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, createRestClient, type WebSocketConstructor } from '../../client/index.ts';
import { startHarness, wrapConnection, type Harness } from '../support/backend-harness.ts';
import { startServeProcess } from '../support/serve-process.ts';

const SECRET = 'restart-secret-restart-secret-restart-0000';
function startServe(dataDir: string) {
  return startServeProcess(['--data-dir', dataDir], { JWT_SECRET: SECRET, DATABASE_URL: '', REDIS_URL: '' });
}

let harness: Harness | undefined;
afterAll(async () => {
  await harness?.close();
});

describe('restart', () => {
  it('keeps queued runs and interrupts the run a crash cut off', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-restart-'));
    const { child, url } = await startServe(dataDir);
    const rest = createRestClient(url);
    const { token } = await rest.mintToken('crash-user');
    const c = wrapConnection(connect({ url, token, transport: 'ws', WebSocketImpl: WebSocket as unknown as WebSocketConstructor }));
    await c.connection.ready;
    const slow = [{ think: 'slow' }, { tool: 'sleep', args: {}, result: 1, delay_ms: 30_000 }, { respond: 'never' }];
    c.send({ type: 'user_message', message_id: 'cut-off', payload: { content: 'cut off', agent: 'scripted', script: slow } });
    c.send({ type: 'user_message', message_id: 'queued-1', payload: { content: 'what is 1 + 1?' } });
    c.send({ type: 'user_message', message_id: 'queued-2', priority: 'high', payload: { content: 'what is 2 + 2?' } });
    const acks = await Promise.all(['cut-off', 'queued-1', 'queued-2'].map((id) => c.waitFor((e) => e.type === 'message_ack' && e.message_id === id)));
    await c.waitFor((e) => e.type === 'tool_executing');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    harness = await startHarness({ dataDir, jwtSecret: SECRET });
    const runIds = acks.map((a) => (a.payload as { run_id: string }).run_id);
    const restarted = createRestClient(harness.backend.url);
    const tok = await harness.backend.mintToken('crash-user');
    const deadline = Date.now() + 15_000;
    let runs = await restarted.listRuns(tok);
    while (runs.some((r) => runIds.includes(r.id) && (r.status === 'queued' || r.status === 'running')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      runs = await restarted.listRuns(tok);
    }
    const status = Object.fromEntries(runs.map((r) => [r.id, r.status]));
    expect(status[runIds[0]!]).toBe('interrupted');
    expect(status[runIds[1]!]).toBe('succeeded');
    expect(status[runIds[2]!]).toBe('succeeded');
    const cutEvents = await restarted.getRunEvents(tok, runIds[0]!);
    expect(cutEvents.at(-1)).toMatchObject({ type: 'agent_completed', payload: { status: 'interrupted' } });
    expect(cutEvents.map((e) => e.seq)).toEqual(cutEvents.map((_, i) => i + 1));
    const q2 = runs.find((r) => r.id === runIds[2]);
    const q1 = runs.find((r) => r.id === runIds[1]);
    expect(Date.parse(q2!.started_at!)).toBeLessThanOrEqual(Date.parse(q1!.started_at!)); // high before normal
  });
});
