/**
 * A Flowscope agent over HTTP, node:http only: PORT=9000 npx tsx http-agent.ts, then
 * npx flowscope serve --agent-url mine=http://127.0.0.1:9000/run
 */
import http from 'node:http';

interface RunRequest {
  run_id: string;
  input: { content: string };
  history: Array<{ role: 'user' | 'assistant'; content: string }>;
}

const server = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (part: string) => (body += part));
  req.on('end', () => {
    const run = JSON.parse(body) as RunRequest;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    // One event per line, written as it happens.
    const send = (type: string, payload: object) => res.write(`${JSON.stringify({ type, payload })}\n`);
    const text = run.input.content;
    send('agent_thinking', { thought: `Counting words (${run.history.length} earlier messages)`, step: 1 });
    const callId = `${run.run_id}:wc-1`;
    const start = performance.now();
    send('tool_executing', { tool: 'word_count', call_id: callId, args: { text } });
    const words = text.split(/\s+/).filter(Boolean).length;
    send('tool_completed', { tool: 'word_count', call_id: callId, ok: true, result: { words }, duration_ms: Math.round(performance.now() - start) });
    send('agent_completed', { status: 'succeeded', response: `Your message has ${words} words.`, error: null });
    res.end();
  });
});
server.listen(Number(process.env.PORT ?? 9000), '127.0.0.1', () => {
  console.log(`agent listening on http://127.0.0.1:${(server.address() as { port: number }).port}/run`);
});
