/**
 * `npx tsx bench/http-agent-bench.ts`: the latency an agent over HTTP adds. The same
 * events are relayed N times by (a) an in-process agent calling ctx.report and (b)
 * createHttpAgent against a local NDJSON agent (node:http in this process, keep-alive),
 * both into an agent context whose emit records in memory (no store), so the difference
 * is the HTTP path: request, NDJSON parsing, per-line validation. Two shapes: the five-event
 * run (thinking, a tool pair, agent_completed; agent_started is the engine's) and a run of
 * 100 thinking lines (the per-line cost). Runs alternate between the two agents so the machine's load weighs on both alike.
 * Reports; asserts nothing.
 *
 * Options (env): BENCH_RUNS (default 1000), BENCH_LONG_LINES (default 100).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { createAgentContext } from '../backend/agents/agent-context.ts';
import type { Agent, ReportedEvent } from '../backend/agents/agent-types.ts';
import { createHttpAgent } from '../backend/agents/http/index.ts';
import { createDefaultTools } from '../backend/agents/tools/tool-registry.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 1000);
const LONG_LINES = Number(process.env.BENCH_LONG_LINES ?? 100);
const tools = createDefaultTools();

function fiveEventRun(runId: string): ReportedEvent[] {
  return [
    { type: 'agent_thinking', payload: { thought: 'Counting the words', step: 1 } },
    { type: 'tool_executing', payload: { tool: 'word_count', call_id: `${runId}:c1`, args: { text: 'a b c' } } },
    { type: 'tool_completed', payload: { tool: 'word_count', call_id: `${runId}:c1`, ok: true, result: { words: 3 }, duration_ms: 0 } },
  ];
}

function thinkingRun(): ReportedEvent[] {
  return Array.from({ length: LONG_LINES }, (_, i) => ({ type: 'agent_thinking' as const, payload: { thought: `step ${i + 1} of the plan`, step: i + 1 } }));
}

const COMPLETED = { type: 'agent_completed', payload: { status: 'succeeded', response: 'done', error: null } };

function contextFor(i: number): { context: ReturnType<typeof createAgentContext>; emitted: () => number } {
  let emitted = 0;
  const context = createAgentContext({
    runId: `run-${i}`,
    userId: 'bench',
    threadId: 'bench-thread',
    input: { content: 'a b c' },
    signal: new AbortController().signal,
    tools,
    emit: () => {
      emitted += 1;
      return Promise.resolve();
    },
  });
  return { context, emitted: () => emitted };
}

async function timeRun(agent: Agent, i: number): Promise<number> {
  const { context, emitted } = contextFor(i);
  const start = performance.now();
  await agent.run(context);
  await context.settle('ended');
  const elapsed = performance.now() - start;
  if (emitted() === 0) throw new Error('no events relayed');
  return elapsed;
}

/** Alternates the two agents run by run, so load on the machine weighs on both alike. */
async function timeBoth(a: Agent, b: Agent, count: number): Promise<[number[], number[]]> {
  const first: number[] = [];
  const second: number[] = [];
  for (let i = 0; i < count; i += 1) {
    first.push(await timeRun(a, i));
    second.push(await timeRun(b, i));
  }
  return [first, second];
}

/** CPU time (user + system, this process: the NDJSON server included) per run, in ms. */
async function cpuPerRun(agent: Agent, count: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) await timeRun(agent, i);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / count;
}

function quantiles(values: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), mean: values.reduce((a, b) => a + b, 0) / values.length };
}

interface Measured {
  lines: number;
  p50: number;
  cpu: number;
}

async function measure(name: string, events: (runId: string) => ReportedEvent[], agentLines: number): Promise<Measured> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (part: string) => (body += part));
    req.on('end', () => {
      const { run_id: runId } = JSON.parse(body) as { run_id: string };
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      for (const event of events(runId)) res.write(`${JSON.stringify(event)}\n`);
      res.end(`${JSON.stringify(COMPLETED)}\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const overHttp = createHttpAgent({ name: 'bench', url: `http://127.0.0.1:${port}/run` });
  const inProcess: Agent = {
    name: 'bench-local',
    description: 'the same events, in process',
    async run(ctx) {
      for (const event of events(ctx.runId)) await ctx.report(event);
      return { response: 'done' };
    },
  };
  // Warm-up (JIT, keep-alive connection), then one measured pass each.
  await timeBoth(inProcess, overHttp, 100);
  const [localTimes, remoteTimes] = await timeBoth(inProcess, overHttp, RUNS);
  const local = quantiles(localTimes);
  const remote = quantiles(remoteTimes);
  const localCpu = await cpuPerRun(inProcess, RUNS);
  const remoteCpu = await cpuPerRun(overHttp, RUNS);
  server.closeAllConnections();
  server.close();
  const us = (ms: number): string => `${(ms * 1000).toFixed(0)} µs`;
  const perEvent = (ms: number): string => `${((ms * 1000) / agentLines).toFixed(1)} µs`;
  console.log(`\n${name}: ${RUNS} runs, ${agentLines} NDJSON lines per run`);
  console.log(`  in-process    p50 ${us(local.p50)}  p99 ${us(local.p99)}  mean ${us(local.mean)} per run`);
  console.log(`  over HTTP     p50 ${us(remote.p50)}  p99 ${us(remote.p99)}  mean ${us(remote.mean)} per run`);
  console.log(
    `  added per run p50 ${us(remote.p50 - local.p50)}  p99 ${us(remote.p99 - local.p99)};` +
      ` per event p50 ${perEvent(remote.p50 - local.p50)}  p99 ${perEvent(remote.p99 - local.p99)}`,
  );
  console.log(`  CPU per run   in-process ${us(localCpu)}  over HTTP ${us(remoteCpu)} (both ends);` + ` added CPU per event ${perEvent(remoteCpu - localCpu)}`);
  return { lines: agentLines, p50: remote.p50 - local.p50, cpu: remoteCpu - localCpu };
}

console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${os.cpus().length} cores, node ${process.version}`,
);
const short = await measure('five-event run (thinking, tool pair, agent_completed)', fiveEventRun, 4);
const long = await measure(`${LONG_LINES} thinking lines`, thinkingRun, LONG_LINES + 1);
// The per-request cost cancels out: what one more line costs on the HTTP path.
const extra = long.lines - short.lines;
console.log(
  `\nmarginal cost of one more line: p50 ${(((long.p50 - short.p50) * 1000) / extra).toFixed(1)} µs,` +
    ` CPU ${(((long.cpu - short.cpu) * 1000) / extra).toFixed(1)} µs`,
);
