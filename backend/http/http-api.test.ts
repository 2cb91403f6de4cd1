/** The REST routes of http-api.ts on a real HTTP server, a real SQLite store and real tokens. */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../auth/token-service.ts';
import { createStore } from '../store/store-factory.ts';
import type { Store } from '../store/store-types.ts';
import { createHttpHandler } from './http-api.ts';

let dir: string;
let store: Store;
let server: http.Server;
let base: string;
let token: string;
const tokens = new TokenService('http-api-test-secret-0123456789-abcdef');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-http-api-'));
  store = await createStore({ dataDir: dir });
  server = http.createServer(
    createHttpHandler({
      store,
      tokens,
      devTokens: true,
      health: async () => ({
        status: 200,
        body: {
          status: 'ok',
          store: 'sqlite',
          cache: 'memory',
          uptime_s: 0,
          queue_depth: 0,
          running: 0,
          connections: 0,
          instance_id: 'inst_test',
          version: 'test',
        },
      }),
      metrics: { contentType: 'text/plain; version=0.0.4', render: async () => 'flowscope_test 1\n' },
      originAllowed: () => true,
      log: () => undefined,
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = (await tokens.issue('alice', 600)).token;
  const at = new Date().toISOString();
  await store.acceptMessage({
    thread: { id: 'thread_a', title: '' },
    message: {
      id: 'msg_a',
      threadId: 'thread_a',
      userId: 'alice',
      clientMessageId: 'c1',
      content: 'hi',
      agent: 'assistant',
      priority: 'normal',
      createdAt: at,
    },
    run: {
      id: 'run/with/slashes',
      userId: 'alice',
      threadId: 'thread_a',
      messageId: 'msg_a',
      agent: 'assistant',
      priority: 'normal',
      status: 'queued',
      input: { content: 'hi', agent: 'assistant' },
      response: null,
      error: null,
      createdAt: at,
      startedAt: null,
      endedAt: null,
      ownerId: null,
    },
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(method: string, p: string, auth = true) {
  const res = await fetch(`${base}${p}`, { method, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  return { status: res.status, allow: res.headers.get('allow'), body: (text ? JSON.parse(text) : undefined) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('REST routes by pattern', () => {
  it('extracts route params, one decoded segment each', async () => {
    const run = await call('GET', `/api/runs/${encodeURIComponent('run/with/slashes')}`);
    expect(run.status).toBe(200);
    expect(run.body.run).toMatchObject({ id: 'run/with/slashes', thread_id: 'thread_a', event_count: 0 });
    expect((await call('GET', `/api/runs/${encodeURIComponent('run/with/slashes')}/events`)).body).toEqual({ events: [] });
    const messages = await call('GET', '/api/threads/thread_a/messages');
    expect(messages.body.messages.map((m: { id: string }) => m.id)).toEqual(['msg_a']);
    expect((await call('GET', '/api/runs/run/with/slashes')).body.error.code).toBe('NOT_FOUND'); // four segments: no such route
  });

  it('answers a known path with another method 405 METHOD_NOT_ALLOWED and an Allow header, before the token', async () => {
    for (const [method, p, allow, message] of [
      ['GET', '/api/dev/token', 'POST', 'Use POST.'],
      ['POST', '/api/threads', 'GET', 'Use GET.'],
      ['DELETE', '/api/runs/r1', 'GET', 'Use GET.'],
      ['PUT', '/api/threads/t/messages', 'GET', 'Use GET.'],
    ] as const) {
      const res = await call(method, p, false);
      expect({ method, p, status: res.status, allow: res.allow, error: res.body.error }).toEqual({
        method,
        p,
        status: 405,
        allow,
        error: { code: 'METHOD_NOT_ALLOWED', message },
      });
    }
  });

  it('/health and /metrics are read-only: GET and HEAD answer, another method is 405 with Allow', async () => {
    expect((await call('GET', '/health', false)).status).toBe(200);
    expect((await fetch(`${base}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect(await (await fetch(`${base}/metrics`)).text()).toBe('flowscope_test 1\n');
    for (const [method, p] of [
      ['POST', '/health'],
      ['DELETE', '/health'],
      ['PUT', '/metrics'],
      ['POST', '/metrics'],
    ] as const) {
      const res = await call(method, p, false);
      expect({ method, p, status: res.status, allow: res.allow, error: res.body.error }).toEqual({
        method,
        p,
        status: 405,
        allow: 'GET, HEAD',
        error: { code: 'METHOD_NOT_ALLOWED', message: 'Use GET or HEAD.' },
      });
    }
  });

  it('answers an unknown path 404 NOT_FOUND whatever the method', async () => {
    for (const method of ['GET', 'POST', 'PUT']) {
      const res = await call(method, '/api/nothing/here');
      expect({ method, status: res.status, code: res.body.error.code }).toEqual({ method, status: 404, code: 'NOT_FOUND' });
    }
    expect((await call('GET', '/api/agents')).status).toBe(404); // no agents given: no route
  });

  it('takes each error status from the one error table', async () => {
    expect((await call('GET', '/api/threads', false)).body.error.code).toBe('AUTH_REQUIRED');
    expect((await call('GET', '/api/threads', false)).status).toBe(401);
    const bad = await call('GET', '/api/threads/thread_a/messages?limit=0');
    expect({ status: bad.status, code: bad.body.error.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const big = await fetch(`${base}/api/dev/token`, { method: 'POST', body: JSON.stringify({ user_id: 'x', pad: 'x'.repeat(20_000) }) });
    expect({ status: big.status, code: ((await big.json()) as { error: { code: string } }).error.code }).toEqual({ status: 413, code: 'MESSAGE_TOO_LARGE' });
    const notObject = await fetch(`${base}/api/dev/token`, { method: 'POST', body: 'null' });
    expect({ status: notObject.status, code: ((await notObject.json()) as { error: { code: string } }).error.code }).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    const minted = await fetch(`${base}/api/dev/token`, { method: 'POST', body: JSON.stringify({ user_id: 'bob' }) });
    expect(minted.status).toBe(200);
  });
});
