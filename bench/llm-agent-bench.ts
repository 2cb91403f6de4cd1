/**
 * `npx tsx bench/llm-agent-bench.ts`: the llm agent's own overhead per model turn, against
 * the test suite's OpenAI-compatible server on 127.0.0.1. Compares one turn through the agent
 * (openai SDK, stream parsing, idle clock, thoughts, events in memory) with the same
 * streamed request made with bare fetch and read to the end, and with the bare SDK (so the
 * agent's own share shows apart from the SDK's). Reports; asserts nothing.
 *
 * Options (env): BENCH_LLM_RUNS (default 300).
 */
import OpenAI from 'openai';
import { createLlmAgent } from '../backend/agents/llm/llm-agent.ts';
import { createDefaultTools } from '../backend/agents/tools/tool-registry.ts';
import { runToEnd } from '../test/support/llm-run-harness.ts';
import { startOpenAiCompatibleServer, textReply, toolCallReply } from '../test/support/openai-compatible-server.ts';

const RUNS = Number(process.env.BENCH_LLM_RUNS ?? 300);

function quantiles(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

const fmt = (ms: number) => `${ms.toFixed(3)} ms`;

async function main(): Promise<void> {
  const server = await startOpenAiCompatibleServer();
  const agent = createLlmAgent({ model: 'bench-model', baseURL: server.baseURL, apiKey: 'sk-bench' });
  const answer = 'A twenty-fragment answer of moderate length, streamed in pieces.';
  const sdk = new OpenAI({ apiKey: 'sk-bench', baseURL: server.baseURL, maxRetries: 0, logLevel: 'off' });
  const tools = createDefaultTools();
  const viaSdk = async (): Promise<void> => {
    const stream = await sdk.chat.completions.create({
      model: 'bench-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const part of stream) void part;
  };
  const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });

  // Warm-up of both paths.
  for (let i = 0; i < 20; i += 1) {
    server.enqueue(textReply(answer, { fragments: 20, usage: { prompt_tokens: 10, completion_tokens: 20 } }));
    await runToEnd(agent, { tools: new Map() });
    server.enqueue(textReply(answer, { fragments: 20 }));
    await (await fetch(`${server.baseURL}/chat/completions`, { method: 'POST', body, headers: { 'content-type': 'application/json' } })).text();
  }

  const bare: number[] = [];
  const bareSdk: number[] = [];
  const viaAgent: number[] = [];
  const toolRound: number[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    server.enqueue(textReply(answer, { fragments: 20, usage: { prompt_tokens: 10, completion_tokens: 20 } }));
    let t = performance.now();
    await (
      await fetch(`${server.baseURL}/chat/completions`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      })
    ).text();
    bare.push(performance.now() - t);

    server.enqueue(textReply(answer, { fragments: 20, usage: { prompt_tokens: 10, completion_tokens: 20 } }));
    t = performance.now();
    await viaSdk();
    bareSdk.push(performance.now() - t);

    server.enqueue(textReply(answer, { fragments: 20, usage: { prompt_tokens: 10, completion_tokens: 20 } }));
    t = performance.now();
    await runToEnd(agent, { tools: new Map() });
    viaAgent.push(performance.now() - t);

    // Two turns: two fragmented tool calls (calculator), then the answer.
    server.enqueue(
      toolCallReply([
        { id: `a${i}`, name: 'calculator', arguments: '{"expression":"6*7"}' },
        { id: `b${i}`, name: 'calculator', arguments: '{"expression":"2+2"}' },
      ]),
      textReply(answer, { fragments: 20 }),
    );
    t = performance.now();
    await runToEnd(agent, { tools });
    toolRound.push(performance.now() - t);
    server.requests.length = 0;
  }
  await server.close();

  const b = quantiles(bare);
  const s = quantiles(bareSdk);
  const a = quantiles(viaAgent);
  const r = quantiles(toolRound);
  console.log(`llm agent bench: ${RUNS} runs each, 20-fragment answers, 127.0.0.1`);
  console.log(`  bare fetch, one streamed request   p50 ${fmt(b.p50)}  p99 ${fmt(b.p99)}  mean ${fmt(b.mean)}`);
  console.log(`  bare openai SDK, same request       p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}  mean ${fmt(s.mean)}`);
  console.log(`  agent, one text turn               p50 ${fmt(a.p50)}  p99 ${fmt(a.p99)}  mean ${fmt(a.mean)}`);
  console.log(`  agent overhead per turn vs fetch   p50 ${fmt(a.p50 - b.p50)}  mean ${fmt(a.mean - b.mean)}`);
  console.log(`  agent's own share (vs the SDK)     p50 ${fmt(a.p50 - s.p50)}  mean ${fmt(a.mean - s.mean)}`);
  console.log(`  agent, 2 turns + 2 parallel tools  p50 ${fmt(r.p50)}  p99 ${fmt(r.p99)}  mean ${fmt(r.mean)}`);
}

await main();
