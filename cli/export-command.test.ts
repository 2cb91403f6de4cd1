/** `flowscope export` against the data folder of a running backend: OTLP/JSON files by run ids or thread, content on request, clear errors. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../test/support/backend-harness.ts';
import { attributes, flattenSpans, otlpProblems, type OtlpRequest } from '../test/support/otlp-receiver.ts';
import { exportCommand } from './export-command.ts';
import { captureIo } from './test-support/captured-io.ts';

let h: Harness;
let runId: string;
let threadId: string;

beforeAll(async () => {
  h = await startHarness();
  const c = await h.client('export-user');
  c.send({ type: 'user_message', payload: { content: 'What is 6 * 7?' } });
  const ack = (await c.waitFor((e) => e.type === 'message_ack')).payload as { run_id: string; thread_id: string };
  ({ run_id: runId, thread_id: threadId } = ack);
  await c.runEvents(runId);
});
afterAll(async () => {
  await h?.close();
});

describe('flowscope export', () => {
  it('writes a run as OTLP/JSON to a file, and a thread to stdout; --content adds the tool arguments', async () => {
    const io = captureIo(h.dataDir);
    expect(await exportCommand(['--data-dir', h.dataDir, runId, '--out', 'out/trace.json'], io)).toBe(0);
    expect(io.err()).toMatch(/Wrote out\/trace\.json: 1 run\(s\), \d+ events as otlp/);
    const body = JSON.parse(await fs.readFile(path.join(h.dataDir, 'out/trace.json'), 'utf8')) as OtlpRequest;
    expect(otlpProblems(body)).toEqual([]);
    const spans = flattenSpans(body);
    expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool calculator', 'invoke_agent assistant']);
    expect(attributes(spans.find((s) => s.name === 'execute_tool calculator')?.attributes)['gen_ai.tool.call.arguments']).toBeUndefined();

    const thread = captureIo(h.dataDir, { env: { DATA_DIR: h.dataDir } });
    expect(await exportCommand(['--thread', threadId, '--content'], thread)).toBe(0);
    const threadSpans = flattenSpans(JSON.parse(thread.out()) as OtlpRequest);
    expect(attributes(threadSpans.find((s) => s.name === 'execute_tool calculator')?.attributes)['gen_ai.tool.call.arguments']).toBe('{"expression":"6 * 7"}');
  });

  it('says what is wrong: an unknown format (with the formats), an unknown run, no data folder, no run named', async () => {
    const io = captureIo(h.dataDir);
    expect(await exportCommand(['--data-dir', h.dataDir, '--format', 'zipkin', runId], io)).toBe(2);
    expect(io.err()).toMatch(/unknown export format "zipkin" \(formats: .*otlp/);
    const missing = captureIo(h.dataDir);
    expect(await exportCommand(['--data-dir', h.dataDir, 'run_nope'], missing)).toBe(1);
    expect(missing.err()).toContain('run run_nope not found');
    const noDir = captureIo(h.dataDir);
    expect(await exportCommand(['--data-dir', path.join(h.dataDir, 'absent'), runId], noDir)).toBe(1);
    expect(noDir.err()).toContain('no data folder at');
    const none = captureIo(h.dataDir);
    expect(await exportCommand(['--data-dir', h.dataDir], none)).toBe(2);
    expect(none.err()).toContain('name at least one run id, or --thread ID');
  });
});
