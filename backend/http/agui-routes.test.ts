/**
 * The AG-UI routes inside the real HTTP handler (http-api.ts), a real SQLite store and real
 * tokens, for what the system test cannot provoke: the event feed failing after the SSE
 * stream started. The reply cannot be a JSON error any more: the stream is cut (the client
 * sees it unfinished and resumes), the failure is logged, the subscription is closed, and
 * nothing is left to reject unhandled.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../auth/token-service.ts';
import { createStore } from '../store/store-factory.ts';
import type { Store } from '../store/store-types.ts';
import type { RunEventFeed } from './agui-routes.ts';
import { acceptInput } from '../routing/message-handler-service.ts';
import { createHttpHandler } from './http-api.ts';

let dir: string;
let store: Store;
let server: http.Server;
let base: string;
let token: string;
const tokens = new TokenService('agui-routes-test-secret-0123456789-abcdef');
const logged: Array<{ level: string; message: string }> = [];
let subscriptions = { opened: 0, closed: 0 };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** A feed whose replay fails, as a store that went down between accepting the run and reading its events would. */
const failingFeed: RunEventFeed = {
  open() {
    subscriptions.opened += 1;
    return Promise.resolve({
      replay: () => Promise.reject(new Error('store went away')),
      close: () => void (subscriptions.closed += 1),
    });
  },
};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-agui-routes-'));
  store = await createStore({ dataDir: dir });
  server = http.createServer(
    createHttpHandler({
      store,
      tokens,
      devTokens: false,
      agui: {
        store,
        feed: failingFeed,
        agents: { has: (name) => name === 'echo', names: () => ['echo'] },
        submitRun: (userId, request) => store.acceptMessage(acceptInput(userId, request, 10)),
        maxQueuedPerUser: 10,
      },
      health: () => Promise.reject(new Error('not used')),
      originAllowed: () => true,
      log: (level, message) => void logged.push({ level, message }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  token = (await tokens.issue('alice', 600)).token;
});

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('POST /agui/:agent when the event feed fails after the stream started', () => {
  it('cuts the stream, logs the failure, closes the subscription and leaves no unhandled rejection', async () => {
    subscriptions = { opened: 0, closed: 0 };
    const response = await fetch(`${base}/agui/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        threadId: 't',
        runId: 'r',
        state: {},
        messages: [{ id: 'u', role: 'user', content: 'hi' }],
        tools: [],
        context: [],
        forwardedProps: {},
      }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    // Not a clean end: reading the body fails.
    await expect(response.text()).rejects.toThrow();
    await expect.poll(() => logged.find((line) => line.message.includes('/agui/echo failed after its response started'))).toBeTruthy();
    expect(logged.find((line) => line.message.includes('/agui/echo'))?.level).toBe('error');
    expect(subscriptions).toEqual({ opened: 1, closed: 1 });
    // The run itself was accepted and stays stored (a resume would read it).
    const threads = await store.listThreads('alice');
    expect(threads).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled).toEqual([]);
  });
});

describe('a browser AG-UI front end on another origin', () => {
  it('may send Last-Event-ID (a resume) after the CORS preflight', async () => {
    const preflight = await fetch(`${base}/agui/runs/run_x`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, last-event-id' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://app.example');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'last-event-id']));
  });
});
