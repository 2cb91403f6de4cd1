/**
 * Live export at shutdown, against real OTLP/HTTP endpoints this test starts: the spans still
 * queued (a long OTEL_BSP_SCHEDULE_DELAY) are sent when the backend stops, with the ids a file
 * export gives the run; a collector that accepts the connection and never answers does not
 * hold shutdown past its deadline.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunEventEnvelope } from '../../protocol/index.ts';
import { startOtlpReceiver, type OtlpReceiver } from '../../test/support/otlp-receiver.ts';
import type { RunRecord } from '../store/store-types.ts';
import { startLiveTraces, type LiveTraceSource } from './live-traces.ts';
import { spanIdOf, traceIdOf } from './otlp-file.ts';

const t = (ms: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, 0, ms)).toISOString();
const base = { run_id: 'run_live_1', thread_id: 'th_1', user_id: 'u1' };
const events: RunEventEnvelope[] = [
  { ...base, seq: 1, timestamp: t(10), type: 'agent_started', payload: { agent: 'assistant', input: 'hi' } },
  { ...base, seq: 2, timestamp: t(20), type: 'tool_executing', payload: { tool: 'calculator', call_id: 'c1', args: { expression: '1+1' } } },
  { ...base, seq: 3, timestamp: t(30), type: 'tool_completed', payload: { tool: 'calculator', call_id: 'c1', ok: true, result: { value: 2 }, duration_ms: 9 } },
  { ...base, seq: 4, timestamp: t(40), type: 'agent_completed', payload: { status: 'succeeded', response: '2', error: null, duration_ms: 30 } },
] as RunEventEnvelope[];
const run: RunRecord = {
  id: 'run_live_1',
  userId: 'u1',
  threadId: 'th_1',
  messageId: 'm1',
  agent: 'assistant',
  priority: 'normal',
  status: 'succeeded',
  input: { content: 'hi', agent: 'assistant' },
  response: '2',
  error: null,
  createdAt: t(5),
  startedAt: t(10),
  endedAt: t(40),
  ownerId: null,
};
/** The store's two reads, over the run above (what the store committed before agent_completed was published). */
const source: LiveTraceSource = {
  getRun: (id) => Promise.resolve(id === run.id ? run : null),
  listEvents: (id, after) => Promise.resolve(id === run.id ? events.filter((e) => (e.seq ?? 0) > after).map((envelope) => ({ envelope })) : []),
};

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('live traces at shutdown', () => {
  it('sends the spans still queued when it stops, with the ids of the file export', async () => {
    const receiver: OtlpReceiver = await startOtlpReceiver();
    closers.push(() => receiver.close());
    const warnings: string[] = [];
    const live = await startLiveTraces(source, (level, message) => void (level === 'warn' && warnings.push(message)), {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '600000', // nothing is sent on schedule during the test
    });
    expect(live).toBeDefined();
    live?.emitted(events[3]!);
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.spans()).toHaveLength(0);
    await live?.shutdown();
    const spans = receiver.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool calculator', 'invoke_agent assistant']);
    const root = spans.find((s) => s.name === 'invoke_agent assistant');
    const tool = spans.find((s) => s.name === 'execute_tool calculator');
    expect(root).toMatchObject({ traceId: traceIdOf(run.id), spanId: spanIdOf(run.id, 'run') });
    expect(tool).toMatchObject({ traceId: traceIdOf(run.id), spanId: spanIdOf(run.id, 'tool:c1'), parentSpanId: root?.spanId });
    expect(warnings).toEqual([]);
  });

  it('a collector that never answers does not hold shutdown past the deadline', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket)); // accepts, reads nothing, answers nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    );
    const warnings: string[] = [];
    const live = await startLiveTraces(source, (level, message) => void (level === 'warn' && warnings.push(message)), {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });
    live?.emitted(events[3]!);
    await new Promise((r) => setTimeout(r, 100));
    // The exporter's own timeout is 10 s: the warning says shutdown gave up at its 300 ms deadline instead.
    await live?.shutdown(300);
    expect(sockets.size).toBeGreaterThan(0); // the exporter did try
    expect(warnings).toEqual(['traces: the collector did not take the last spans within 300 ms; shutting down without them']);
  });
});
