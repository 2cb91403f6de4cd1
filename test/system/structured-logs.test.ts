/**
 * Structured logs an operator can read (issue 17): a real `flowscope serve` with
 * LOG_FORMAT=json LOG_LEVEL=debug writes one JSON line per connection opened and closed, per
 * refused message, per run end and per HTTP request, each with its fields; the start and stop
 * lines are JSON too; and no line holds a token or a configured secret, even when a client
 * puts one where the log would show it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { killAndWait, startServeProcess } from '../support/serve-process.ts';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const JWT_SECRET = 'structured-logs-secret-structured-logs-0000';
const LLM_KEY = 'sk-logtest-5f1e2d3c4b5a69788796a5b4c3d2e1f0';
const HEADER_SECRET = 'hdr-logtest-0a1b2c3d4e5f60718293a4b5c6d7';

type Line = Record<string, unknown> & { ts: string; level: string; msg: string };

let child: ChildProcess | undefined;
afterAll(async () => {
  if (child) await killAndWait(child, 'SIGKILL');
});

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextMessage(ws: WebSocket, match: (e: { type: string; [k: string]: unknown }) => boolean, timeoutMs = 15_000) {
  return new Promise<{ type: string; [k: string]: unknown }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
    const onMessage = (data: WebSocket.RawData) => {
      const e = JSON.parse(String(data)) as { type: string };
      if (match(e)) {
        clearTimeout(timer);
        ws.off('message', onMessage);
        resolve(e);
      }
    };
    ws.on('message', onMessage);
  });
}

describe('structured logs', { timeout: 60_000 }, () => {
  it('writes JSON lines with their fields for connections, refusals, run ends and requests, and no secret', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-logs-'));
    const started = await startServeProcess(['--data-dir', dataDir], {
      JWT_SECRET,
      DATABASE_URL: '',
      REDIS_URL: '',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'debug',
      LLM_MODEL: 'log-model',
      LLM_BASE_URL: 'http://127.0.0.1:9/v1',
      LLM_API_KEY: LLM_KEY,
      AGENT_URLS: 'remote=http://127.0.0.1:9/run',
      AGENT_HEADERS: `remote=Authorization: Bearer ${HEADER_SECRET}`,
    });
    child = started.child;
    const { url, output } = started;
    const lines = (): Line[] =>
      output()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Line);
    const waitLine = async (match: (l: Line) => boolean): Promise<Line> => {
      let found: Line | undefined;
      await expect.poll(() => (found = lines().find(match)), { timeout: 15_000 }).toBeTruthy();
      return found!;
    };

    const token = ((await (await fetch(`${url}/api/dev/token`, { method: 'POST', body: JSON.stringify({ user_id: 'log-user' }) })).json()) as { token: string })
      .token;
    // A token in the query: the request line keeps the path only.
    await fetch(`${url}/api/runs?token=${token}`, { headers: { authorization: `Bearer ${token}` } });

    const wsUrl = `${url.replace('http', 'ws')}/ws`;
    const ws = await open(`${wsUrl}?token=${token}`);
    const opened = await waitLine((l) => l.msg === 'connection opened' && l.user === 'log-user');
    expect(opened).toMatchObject({ level: 'info', transport: 'ws', address: '127.0.0.1' });

    ws.send(JSON.stringify({ type: 'user_message', message_id: 'good-1', payload: { content: 'what is 2 + 2?' } }));
    const completed = await nextMessage(ws, (e) => e.type === 'agent_completed');
    // Refused: no content. Its message_id carries secrets a client pasted: the line shows neither.
    ws.send(JSON.stringify({ type: 'user_message', message_id: `bad-${LLM_KEY}`, payload: {} }));
    ws.send(JSON.stringify({ type: 'user_message', message_id: `bad2-${HEADER_SECRET}`, payload: {} }));
    await nextMessage(ws, (e) => e.type === 'error' && String((e.payload as { message_id?: string }).message_id).startsWith('bad2-'));
    ws.close(1000);

    const runEnd = await waitLine((l) => l.msg === 'run ended');
    expect(runEnd).toMatchObject({
      level: 'info',
      user: 'log-user',
      run: completed.run_id,
      agent: 'assistant',
      status: 'succeeded',
      events: completed.seq,
    });
    expect(typeof runEnd.duration_ms).toBe('number');
    expect(await waitLine((l) => l.msg === 'message accepted')).toMatchObject({
      level: 'debug',
      message_id: 'good-1',
      run: completed.run_id,
      user: 'log-user',
    });
    const refused = await waitLine((l) => l.msg === 'message refused' && String(l.message_id).startsWith('bad-'));
    expect(refused).toMatchObject({ level: 'info', user: 'log-user', transport: 'ws', code: 'VALIDATION_FAILED', message_id: 'bad-[redacted]' });
    expect(await waitLine((l) => l.msg === 'message refused' && String(l.message_id).startsWith('bad2-'))).toMatchObject({ message_id: 'bad2-[redacted]' });
    const closed = await waitLine((l) => l.msg === 'connection closed' && l.user === 'log-user');
    expect(closed).toMatchObject({ level: 'info', transport: 'ws', address: '127.0.0.1', by: 'client', close_code: 1000 });
    expect(typeof closed.duration_ms).toBe('number');

    const request = await waitLine((l) => l.msg === 'http request' && l.path === '/api/runs');
    expect(request).toMatchObject({ level: 'debug', method: 'GET', status: 200 });

    // A bad token: refused at admission, one line with its code.
    const bad = new WebSocket(`${wsUrl}?token=${token.slice(0, -4)}AAAA`);
    await new Promise((r) => bad.once('close', r));
    expect(await waitLine((l) => l.msg === 'connection refused')).toMatchObject({ transport: 'ws', code: 'AUTH_INVALID' });

    await killAndWait(child, 'SIGTERM');
    const all = lines();
    expect(all.find((l) => /listening on http:\/\//.test(l.msg))).toMatchObject({ level: 'info' });
    expect(all.find((l) => /SIGTERM received, shutting down/.test(l.msg))).toBeTruthy();
    for (const line of all) {
      expect(Number.isNaN(Date.parse(line.ts))).toBe(false);
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
    }
    const text = output();
    for (const secret of [token, token.split('.')[2]!, JWT_SECRET, LLM_KEY, LLM_KEY.slice(0, 20), HEADER_SECRET]) expect(text).not.toContain(secret);
  });
});
