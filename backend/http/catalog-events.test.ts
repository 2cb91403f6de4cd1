/**
 * GET /api/catalog/events against a real backend with a watched agent module: a reload that
 * fails (a syntax error after a good version) is told with the file and the one-line reason,
 * and runs keep using the previous version; a late subscriber hears of it too; a good reload
 * is told with the module's agents and tools; an MCP server's new tool list (tools/list_changed)
 * is told as `tools_changed`; the stream needs a token and ends at shutdown.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../test/support/backend-harness.ts';
import { startMcpHttpFixture } from '../../test/support/mcp-http-server.ts';

interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads a text/event-stream response into events as they come. */
function readEvents(res: Response): { events: SseEvent[]; next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>; ended: Promise<void> } {
  const events: SseEvent[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const ended = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const lines = block.split('\n');
        const name = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (name && data) events.push({ event: name, data: JSON.parse(data) as Record<string, unknown> });
        for (const w of [...waiters]) w();
      }
    }
  })();
  const next = (match: (e: SseEvent) => boolean, timeoutMs = 10_000) =>
    new Promise<SseEvent>((resolve, reject) => {
      const check = () => {
        const found = events.find(match);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return { events, next, ended };
}

const version = (reply: string) => `export default { name: 'live', description: 'reloadable', run: async () => ({ response: '${reply}' }) };\n`;

let dir: string;
let file: string;
let h: Harness;
const streams: AbortController[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-catalog-events-'));
  file = path.join(dir, 'live.ts');
  fs.writeFileSync(file, version('one'));
  h = await startHarness({ agentModules: [file], agentReload: true });
});
afterAll(async () => {
  for (const s of streams) s.abort();
  await h.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function open(userId = 'watcher') {
  const controller = new AbortController();
  streams.push(controller);
  const res = await fetch(`${h.backend.url}/api/catalog/events`, {
    headers: { authorization: `Bearer ${await h.backend.mintToken(userId)}` },
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  const stream = readEvents(res);
  await stream.next((e) => e.event === 'ready');
  return stream;
}

async function reply(userId: string): Promise<unknown> {
  const c = await h.client(userId);
  c.send({ type: 'user_message', payload: { content: 'hi', agent: 'live' } });
  const ack = await c.waitFor((e) => e.type === 'message_ack');
  const events = await c.runEvents((ack.payload as { run_id: string }).run_id);
  return events.at(-1)?.payload;
}

describe('GET /api/catalog/events', () => {
  it('needs a Bearer token', async () => {
    const res = await fetch(`${h.backend.url}/api/catalog/events`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_REQUIRED');
  });

  it('tells a failed reload (file, one-line reason, previous version in use); runs keep the previous version; a good reload is told too', async () => {
    const stream = await open();
    expect(await reply('before')).toMatchObject({ status: 'succeeded', response: 'one' });

    fs.writeFileSync(file, "export default { name: 'live', description: 'broken', run: async () => ({ response: 'two' ) };\n");
    const failed = await stream.next((e) => e.event === 'module_reload_failed');
    expect(failed.data).toMatchObject({ type: 'module_reload_failed', file, previous_version_in_use: true });
    expect(failed.data.reason).toMatch(/^failed to load: /);
    expect(failed.data.reason).not.toContain('\n');
    expect(Date.parse(failed.data.at as string)).not.toBeNaN();
    expect(await reply('during')).toMatchObject({ status: 'succeeded', response: 'one' });

    // A console that connects now still hears that the module is broken.
    const late = await open('late-watcher');
    expect((await late.next((e) => e.event === 'module_reload_failed')).data).toMatchObject({ file, reason: failed.data.reason });

    fs.writeFileSync(file, version('three'));
    const reloaded = await stream.next((e) => e.event === 'module_reloaded');
    expect(reloaded.data).toMatchObject({ type: 'module_reloaded', file, agents: ['live'], tools: [] });
    await late.next((e) => e.event === 'module_reloaded');
    expect(await reply('after')).toMatchObject({ status: 'succeeded', response: 'three' });

    // Fixed: a new subscriber hears of no failure.
    const fresh = await open('fresh-watcher');
    await new Promise((r) => setTimeout(r, 100));
    expect(fresh.events.map((e) => e.event)).toEqual(['ready']);
  });

  it('ends the stream when the backend shuts down', async () => {
    const other = await startHarness();
    const res = await fetch(`${other.backend.url}/api/catalog/events`, { headers: { authorization: `Bearer ${await other.backend.mintToken('u')}` } });
    const stream = readEvents(res);
    await stream.next((e) => e.event === 'ready');
    const started = Date.now();
    await other.close();
    await stream.ended;
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("tells an MCP server's new tool list (tools/list_changed) as tools_changed; GET /api/agents has the new tool", async () => {
    const fixture = await startMcpHttpFixture();
    const other = await startHarness({ mcpServers: [`fx=${fixture.url}`] });
    try {
      const token = await other.backend.mintToken('mcp-watcher');
      const res = await fetch(`${other.backend.url}/api/catalog/events`, { headers: { authorization: `Bearer ${token}` } });
      const stream = readEvents(res);
      await stream.next((e) => e.event === 'ready');
      // the fixture's add_tool, run as a run by the tool-call agent, makes the server send list_changed
      const c = await other.client('mcp-watcher');
      c.send({ type: 'user_message', payload: { agent: 'tool-call', content: JSON.stringify({ tool: 'fx.add_tool', arguments: { name: 'late_tool' } }) } });
      const ack = await c.waitFor((e) => e.type === 'message_ack');
      expect((await c.runEvents((ack.payload as { run_id: string }).run_id)).at(-1)?.payload).toMatchObject({ status: 'succeeded' });
      const changed = await stream.next((e) => e.event === 'tools_changed' && (e.data.tools as string[]).includes('fx.late_tool'));
      expect(changed.data).toMatchObject({ type: 'tools_changed', group: "mcp server 'fx'", refused: [] });
      expect(changed.data.tools).toEqual(expect.arrayContaining(['fx.echo', 'fx.add_tool', 'fx.late_tool']));
      const agents = (await (await fetch(`${other.backend.url}/api/agents`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        tools: Array<{ name: string }>;
      };
      expect(agents.tools.map((t) => t.name)).toContain('fx.late_tool');
    } finally {
      await other.close();
      await fixture.close();
    }
  });
});
