/**
 * `npx tsx bench/traces-bench.ts`: what OpenTelemetry traces cost per run (docs/traces.md),
 * in this process. Reports; asserts nothing.
 * - the mapping of a six-event run to spans (backend/traces/run-spans.ts);
 * - the OTLP/JSON file of one run (backend/traces/otlp-file.ts);
 * - live export: the publisher hook per agent_completed, and each run turned into spans, handed
 *   to the SDK (BatchSpanProcessor) and sent to a local OTLP/HTTP receiver;
 * - without an endpoint: nothing is started.
 * BENCH_TRACE_RUNS (default 5000) runs for the live part.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunEventEnvelope } from '../protocol/index.ts';
import type { RunRecord } from '../backend/store/store-types.ts';
import { startLiveTraces } from '../backend/traces/live-traces.ts';
import { otlpJson } from '../backend/traces/otlp-file.ts';
import { runSpans } from '../backend/traces/run-spans.ts';

const RUNS = Number(process.env.BENCH_TRACE_RUNS ?? 5000);
const t = (ms: number) => new Date(1_800_000_000_000 + ms).toISOString();
const base = { run_id: 'run_1', thread_id: 'th_1', user_id: 'u1' };
const events = [
  { ...base, seq: 1, timestamp: t(0), type: 'agent_started', payload: { agent: 'assistant', input: 'What is 6 * 7?' } },
  { ...base, seq: 2, timestamp: t(1), type: 'agent_thinking', payload: { thought: 'Reading the question', step: 1 } },
  { ...base, seq: 3, timestamp: t(2), type: 'agent_thinking', payload: { thought: 'Using the calculator', step: 2 } },
  { ...base, seq: 4, timestamp: t(3), type: 'tool_executing', payload: { tool: 'calculator', call_id: 'c1', args: { expression: '6 * 7' } } },
  { ...base, seq: 5, timestamp: t(4), type: 'tool_completed', payload: { tool: 'calculator', call_id: 'c1', ok: true, result: 42, duration_ms: 1 } },
  { ...base, seq: 6, timestamp: t(5), type: 'agent_completed', payload: { status: 'succeeded', response: '42', error: null, duration_ms: 5 } },
] as RunEventEnvelope[];
const run: RunRecord = {
  id: 'run_1',
  threadId: 'th_1',
  userId: 'u1',
  messageId: 'm1',
  agent: 'assistant',
  priority: 'normal',
  status: 'succeeded',
  input: { content: 'What is 6 * 7?', agent: 'assistant' },
  response: '42',
  error: null,
  createdAt: t(-1),
  startedAt: t(0),
  endedAt: t(5),
  ownerId: null,
};
const options = { semconv: 'latest' as const, captureContent: false };
const perRun = (ms: number, n: number) => `${((ms / n) * 1000).toFixed(1)} µs`;

function time(n: number, fn: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return performance.now() - t0;
}

time(500, () => runSpans(run, events, options)); // warm up
console.log(
  `mapping (runSpans), 6 events: ${perRun(
    time(20_000, () => runSpans(run, events, options)),
    20_000,
  )} per run`,
);
console.log(
  `OTLP/JSON file of one run: ${perRun(
    time(2000, () => otlpJson([{ run, events }], options)),
    2000,
  )} per run`,
);

let spans = 0;
const receiver = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) spans += ss.spans.length;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const { port } = receiver.address() as AddressInfo;
const source = { getRun: () => Promise.resolve(run), listEvents: () => Promise.resolve(events.map((envelope) => ({ envelope }))) };
const live = await startLiveTraces(source, () => undefined, {
  OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
  OTEL_BSP_MAX_QUEUE_SIZE: String(RUNS * 2),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
});
if (!live) throw new Error('live traces did not start');
const completed = events[5] as RunEventEnvelope;
const t0 = performance.now();
for (let i = 0; i < RUNS; i++) live.emitted({ ...completed, run_id: `run_${i}` });
const hook = performance.now() - t0;
await live.flush();
const total = performance.now() - t0;
console.log(
  `live: the publisher hook ${perRun(hook, RUNS)} per agent_completed; ${RUNS} runs to spans and exported in ${total.toFixed(0)} ms (${perRun(total, RUNS)} per run); the receiver got ${spans} of ${RUNS * 2} spans`,
);
await live.shutdown();
receiver.close();
console.log(
  `without an endpoint: ${(await startLiveTraces(source, () => undefined, {})) === undefined ? 'nothing started, the SDK not imported' : 'started (unexpected)'}`,
);
