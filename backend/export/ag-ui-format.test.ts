import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpAgent, type BaseEvent } from '@ag-ui/client';
import { EventSchema } from '@ag-ui/core/schemas';
import { describe, expect, it } from 'vitest';
import type { RunEventEnvelope } from '../../protocol/index.ts';
import { SseParser } from '../agents/ag-ui/sse-parser.ts';
import type { RunRecord } from '../store/store-types.ts';
import { aguiFormat } from './ag-ui-format.ts';
import { exportFormat, type ExportRun } from './index.ts';

const T = '2026-12-07T10:00:00.000Z';

function stored(runId: string, status: 'succeeded' | 'failed'): ExportRun {
  const base = { run_id: runId, thread_id: 'thr_1', user_id: 'alice', timestamp: T };
  const events = [
    { ...base, type: 'agent_started', seq: 1, payload: { agent: 'calc', input: 'add' } },
    { ...base, type: 'agent_thinking', seq: 2, payload: { thought: 'adding', step: 1 } },
    { ...base, type: 'tool_executing', seq: 3, payload: { tool: 'calculator', call_id: `${runId}:call-1`, args: { expression: '2+3' } } },
    { ...base, type: 'tool_completed', seq: 4, payload: { tool: 'calculator', call_id: `${runId}:call-1`, ok: true, result: { value: 5 }, duration_ms: 1 } },
    {
      ...base,
      type: 'agent_completed',
      seq: 5,
      payload:
        status === 'succeeded'
          ? { status, response: 'five', error: null, duration_ms: 3, usage: { input_tokens: 1, output_tokens: 2 } }
          : { status, response: null, error: 'tool quota', duration_ms: 3 },
    },
  ] as unknown as RunEventEnvelope[];
  const run = { id: runId, userId: 'alice', threadId: 'thr_1', status, createdAt: T } as RunRecord;
  return { run, events };
}

function parse(text: string): Array<{ id: string | undefined; event: BaseEvent }> {
  const parser = new SseParser(1 << 20);
  return [...parser.push(new TextEncoder().encode(text))].map((sse) => ({ id: sse.id, event: JSON.parse(sse.data) as BaseEvent }));
}

describe('the ag-ui export format', () => {
  it('is registered and writes runs as valid AG-UI events over SSE, with the seq as id', () => {
    expect(exportFormat('ag-ui')).toBe(aguiFormat);
    const events = parse(aguiFormat.write([stored('run_a', 'succeeded'), stored('run_b', 'failed')]));
    for (const { event } of events) expect(() => EventSchema.parse(event)).not.toThrow();
    const types = events.map((e) => e.event.type);
    expect(types.filter((t) => t === 'RUN_STARTED')).toHaveLength(2);
    expect(types).toContain('RUN_FINISHED');
    expect(types.at(-1)).toBe('RUN_ERROR');
    expect(events.at(-1)?.event).toMatchObject({ message: 'tool quota', code: 'FLOWSCOPE_FAILED' });
    expect(events[0]).toMatchObject({ id: '1', event: { type: 'RUN_STARTED', threadId: 'thr_1', runId: 'run_a', timestamp: Date.parse(T) } });
    const result = events.find((e) => e.event.type === 'TOOL_CALL_RESULT');
    expect(result).toMatchObject({ id: '4', event: { toolCallId: 'run_a:call-1', content: '{"value":5}' } });
  });

  it("replays through @ag-ui/client's HttpAgent (verifyEvents) to the run's answer", async () => {
    const file = aguiFormat.write([stored('run_a', 'succeeded')]);
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': aguiFormat.contentType });
        res.end(file);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const agent = new HttpAgent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, threadId: 'thr_1' });
      const { result } = await agent.runAgent({ runId: 'run_a' });
      expect(result).toEqual({ response: 'five' });
      expect(agent.messages.find((m) => m.role === 'assistant' && m.content === 'five')).toBeDefined();
    } finally {
      server.close();
    }
  });
});
