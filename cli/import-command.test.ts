/**
 * `flowscope import`: a HAR written from a real run becomes a scenario that replays green
 * against a fresh backend; bad files get a clear error.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend } from '../backend/index.ts';
import type { WebSocketConstructor } from '../client/index.ts';
import { harFromSession } from '../scenario/har-exporter.ts';
import { sessionFromResult } from '../scenario/recorded-session.ts';
import { loadScenarioText } from '../scenario/scenario-loader.ts';
import { runScenario } from '../scenario/scenario-runner.ts';
import { validateScenario } from '../scenario/scenario-schema.ts';
import { importCommand } from './import-command.ts';
import { captureIo, type CapturedIo } from './test-support/captured-io.ts';

let backend: Awaited<ReturnType<typeof startBackend>>;
let dir: string;
const WebSocketImpl = WebSocket as unknown as WebSocketConstructor;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flowscope-import-'));
  backend = await startBackend({ host: '127.0.0.1', port: 0, dataDir: path.join(dir, 'data'), quiet: true });
});
afterAll(async () => {
  await backend.close();
  await fs.rm(dir, { recursive: true, force: true });
});

function io(): CapturedIo {
  return captureIo(dir);
}

describe('flowscope import', () => {
  it('a HAR of a two-user session becomes a scenario that replays and passes', async () => {
    const source = validateScenario({
      flowscope: 1,
      name: 'source session',
      users: { a: {}, b: { transport: 'ws' } },
      steps: [
        { connect: 'a' },
        { connect: { user: 'b', transport: 'ws' } },
        { send: { as: 'a', message: { type: 'user_message', payload: { content: 'What is 6 * 7?' } }, save_as: 'r1' } },
        { send: { as: 'b', raw: '{broken', expect: { error: 'INVALID_JSON' } } },
        { expect_run: { user: 'a', run: '{{r1.run_id}}' } },
      ],
    });
    if (!source.ok) throw new Error('invalid source');
    const recorded = await runScenario(source.scenario, { target: backend.url, WebSocketImpl });
    expect(recorded.status).toBe('passed');
    const harFile = path.join(dir, 'session.har');
    await fs.writeFile(harFile, JSON.stringify(harFromSession(sessionFromResult(recorded, { a: 'socketio', b: 'ws' }))));

    const cap = io();
    expect(await importCommand([harFile, '--name', 'Imported session', '--out', path.join(dir, 'imported.yaml')], cap)).toBe(0);
    expect(cap.err()).toMatch(/^Wrote .*imported\.yaml: \d+ steps, 2 user\(s\)/);
    const loaded = loadScenarioText(await fs.readFile(path.join(dir, 'imported.yaml'), 'utf8'), { file: 'imported.yaml' });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    expect(loaded.scenario.name).toBe('Imported session');
    const kinds = loaded.scenario.steps.map((s) => Object.keys(s).find((k) => k !== 'name'));
    expect(kinds).toEqual(expect.arrayContaining(['connect', 'send', 'expect_run']));

    const replay = await runScenario(loaded.scenario, { target: backend.url, WebSocketImpl });
    expect(replay.steps.filter((s) => s.status !== 'passed')).toEqual([]);
    expect(replay.runs).toHaveLength(1);
    expect(replay.runs[0]?.status).toBe('succeeded');
  });

  it('writes YAML to stdout, and refuses what is not a HAR with WebSocket messages', async () => {
    const notHar = path.join(dir, 'not.har');
    await fs.writeFile(notHar, '{"log":{"entries":[]}}');
    const cap = io();
    expect(await importCommand([notHar], cap)).toBe(1);
    expect(cap.err()).toMatch(/^flowscope import: .*not\.har: .+/);
    const garbage = path.join(dir, 'garbage.har');
    await fs.writeFile(garbage, 'not json at all');
    const cap2 = io();
    expect(await importCommand([garbage], cap2)).toBe(1);
    expect(cap2.err()).toContain('garbage.har');
    const cap3 = io();
    expect(await importCommand([], cap3)).toBe(2);
    expect(cap3.err()).toContain('name exactly one .har file');
  });
});
