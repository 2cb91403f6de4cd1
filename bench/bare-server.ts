/**
 * The bench's reference: a bare Socket.IO server, in its own process, that answers each
 * `message` with the emits Flowscope sends for a one-tool run (message_ack, agent_started,
 * two agent_thinking, tool_executing, tool_completed, agent_completed: seven, as
 * `socket.emit(type, envelope)` like Flowscope's transport), in the same
 * tick. No auth, no persistence, no cache. Prints `listening on http://...` when ready.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

const server = http.createServer();
const io = new Server(server, { serveClient: false, maxHttpBufferSize: 64 * 1024 });
let runs = 0;
io.on('connection', (socket) => {
  socket.on('message', (raw: unknown) => {
    let msg: { message_id?: string; payload?: { content?: string } };
    try {
      msg = (typeof raw === 'string' ? JSON.parse(raw) : raw) as typeof msg;
    } catch {
      return;
    }
    runs += 1;
    const messageId = String(msg.message_id ?? runs);
    const runId = `run_${runs}`;
    const base = { run_id: runId, thread_id: `thr_${runs}`, message_id: messageId, user_id: 'bare' };
    const event = (type: string, seq: number, payload: unknown) => ({ type, ...base, seq, timestamp: new Date().toISOString(), payload });
    socket.emit('message_ack', {
      type: 'message_ack',
      run_id: runId,
      thread_id: base.thread_id,
      message_id: messageId,
      timestamp: new Date().toISOString(),
      payload: { run_id: runId, thread_id: base.thread_id, status: 'queued', queue_position: 0 },
    });
    socket.emit('agent_started', event('agent_started', 1, { agent: 'assistant', input: msg.payload?.content ?? '' }));
    socket.emit('agent_thinking', event('agent_thinking', 2, { thought: 'The message asks for arithmetic; using the calculator.', step: 1 }));
    socket.emit('agent_thinking', event('agent_thinking', 3, { thought: 'Evaluating 1 + 2.', step: 2 }));
    socket.emit('tool_executing', event('tool_executing', 4, { tool: 'calculator', call_id: `${runId}:call-1`, args: { expression: '1 + 2' } }));
    socket.emit('tool_completed', event('tool_completed', 5, { tool: 'calculator', call_id: `${runId}:call-1`, ok: true, result: 3, duration_ms: 0 }));
    socket.emit('agent_completed', event('agent_completed', 6, { status: 'succeeded', response: 'The result is 3.', error: null, duration_ms: 0 }));
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(`bare Socket.IO listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.once('SIGTERM', () => {
  void io.close();
  server.close(() => process.exit(0));
});
