/**
 * A real OpenAI-compatible Chat Completions server for tests: node:http on an ephemeral
 * port of 127.0.0.1, speaking the streaming wire format (SSE: `data: {chunk}` lines,
 * `: comment` keep-alives, `data: [DONE]`), with error bodies in OpenAI's JSON shape.
 *
 * Tests queue replies (one per request, in order) with the builders below: text answers in
 * fragments (with reasoning deltas), tool calls whose arguments arrive in fragments (several
 * per turn, interleaved), usage chunks (sent only when the request asked with
 * stream_options.include_usage, as OpenAI does), errors (429 with Retry-After, 500s),
 * stalls. Every request is recorded (headers, parsed body, when its connection closed, the
 * bytes sent) so tests can assert what the client sent and that it hung up.
 *
 * Hostile modes: `endless` (an SSE stream that never ends: huge answers, endless reasoning,
 * floods of tool calls, one line without end), `huge-error` (an error body of any size, sent
 * as the client reads it), and `from-request` (a reply built from the request: an endpoint
 * that echoes the client's API key). Each stops when the client hangs up, and at `maxBytes`
 * (default 64 MiB) at the latest, so a broken client cannot keep a test running.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type StreamEvent = { chunk: Record<string, unknown> } | { comment: string } | { raw: string } | { delayMs: number };

export type Reply =
  /** 200 and an SSE stream of `events`, then `data: [DONE]` (unless `done: false`) and the end. */
  | { kind: 'stream'; events: StreamEvent[]; done?: boolean; usage?: Usage }
  /** An error status with `body` (an object is sent as JSON) and `headers`. */
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Sends the head (unless `head: false`) and `events`, then nothing until the client hangs up. */
  | { kind: 'stall'; head?: boolean; events?: StreamEvent[] }
  /** 200, `head` events, then `event(0)`, `event(1)`... until the client hangs up or `maxBytes` were sent. */
  | { kind: 'endless'; head?: StreamEvent[]; event: (n: number) => StreamEvent; maxBytes?: number }
  /** `status` and a body of `bytes` bytes (`fill` repeated), written as the client reads it. */
  | { kind: 'huge-error'; status: number; bytes: number; fill?: string }
  /** The reply `reply(request)` builds (the request's headers and body are known by then). */
  | { kind: 'from-request'; reply: (request: RecordedRequest) => Reply };

/** Default `maxBytes` of the hostile modes: they end by themselves after this much. */
export const HOSTILE_MAX_BYTES = 64 * 1024 * 1024;

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (undefined if it was not JSON). */
  body: Record<string, unknown> | undefined;
  receivedAt: number;
  /** When the connection closed (performance.now()); undefined while open. */
  closedAt?: number;
  /** The client closed it before the reply ended. */
  clientAborted: boolean;
  /** Bytes of the reply's body written so far. */
  bytesSent: number;
}

export interface OpenAiCompatibleServer {
  /** Base URL to give the client: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  readonly requests: RecordedRequest[];
  enqueue(...replies: Reply[]): void;
  /** Replies not yet used. */
  pending(): number;
  /** Resolves once `count` requests were received. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves with the close time of request `index` (0-based) once its connection closed. */
  waitForClose(index: number): Promise<number>;
  close(): Promise<void>;
}

const CHUNK_BASE = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'test-model' };

export function chunk(delta: Record<string, unknown>, finishReason: string | null = null): StreamEvent {
  return { chunk: { ...CHUNK_BASE, choices: [{ index: 0, delta, finish_reason: finishReason }] } };
}

/** Splits `text` into `parts` pieces of about equal length (at least one). */
function split(text: string, parts: number): string[] {
  if (text === '' || parts <= 1) return [text];
  const size = Math.ceil(text.length / parts);
  const pieces: string[] = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

export interface TextReplyOptions {
  /** Content pieces (default 3). */
  fragments?: number;
  usage?: Usage;
  reasoning?: string;
  /** Which delta field carries the reasoning (default `reasoning_content`). */
  reasoningField?: 'reasoning_content' | 'reasoning';
  finishReason?: string;
}

export function textReply(text: string, options: TextReplyOptions = {}): Reply {
  const events: StreamEvent[] = [chunk({ role: 'assistant', content: '' })];
  if (options.reasoning) {
    for (const piece of split(options.reasoning, 3)) events.push(chunk({ [options.reasoningField ?? 'reasoning_content']: piece }));
  }
  for (const piece of split(text, options.fragments ?? 3)) events.push(chunk({ content: piece }));
  events.push(chunk({}, options.finishReason ?? 'stop'));
  return { kind: 'stream', events, ...(options.usage ? { usage: options.usage } : {}) };
}

export interface ScriptedToolCall {
  /** Omitted: the delta carries no id (some servers). */
  id?: string;
  name: string;
  /** The arguments text, sent as is (it may be invalid JSON on purpose). */
  arguments: string;
}

export interface ToolCallReplyOptions {
  /** Characters per arguments fragment (default 4). */
  fragmentSize?: number;
  /** Interleave the calls' fragments round-robin (default true). */
  interleave?: boolean;
  /** Text the model says before its calls. */
  content?: string;
  usage?: Usage;
  reasoning?: string;
}

export function toolCallReply(calls: ScriptedToolCall[], options: ToolCallReplyOptions = {}): Reply {
  const size = options.fragmentSize ?? 4;
  const events: StreamEvent[] = [chunk({ role: 'assistant', content: null })];
  if (options.reasoning) events.push(chunk({ reasoning_content: options.reasoning }));
  if (options.content) events.push(chunk({ content: options.content }));
  const streams = calls.map((call, index) => {
    const pieces: string[] = [];
    for (let i = 0; i < call.arguments.length; i += size) pieces.push(call.arguments.slice(i, i + size));
    const head: Record<string, unknown> = { index, type: 'function', function: { name: call.name, arguments: '' } };
    if (call.id !== undefined) head.id = call.id;
    return [head, ...pieces.map((piece) => ({ index, function: { arguments: piece } }))];
  });
  if (options.interleave === false) {
    for (const stream of streams) for (const delta of stream) events.push(chunk({ tool_calls: [delta] }));
  } else {
    const longest = Math.max(0, ...streams.map((s) => s.length));
    for (let i = 0; i < longest; i += 1) {
      for (const stream of streams) {
        const delta = stream[i];
        if (delta) events.push(chunk({ tool_calls: [delta] }));
      }
    }
  }
  events.push(chunk({}, 'tool_calls'));
  return { kind: 'stream', events, ...(options.usage ? { usage: options.usage } : {}) };
}

/** An error in OpenAI's shape: `{ error: { message, type, param, code } }`. */
export function errorReply(status: number, message: string, options: { type?: string; code?: string | null; headers?: Record<string, string> } = {}): Reply {
  return {
    kind: 'error',
    status,
    body: { error: { message, type: options.type ?? 'invalid_request_error', param: null, code: options.code ?? null } },
    ...(options.headers ? { headers: options.headers } : {}),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes `text` and counts it; waits for the client to read when the socket's buffer is full. */
async function send(res: ServerResponse, record: RecordedRequest, text: string): Promise<void> {
  if (res.destroyed) return;
  record.bytesSent += Buffer.byteLength(text);
  if (res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function eventText(event: Exclude<StreamEvent, { delayMs: number }>): string {
  if ('comment' in event) return `: ${event.comment}\n\n`;
  if ('raw' in event) return event.raw;
  return `data: ${JSON.stringify(event.chunk)}\n\n`;
}

async function writeEvents(res: ServerResponse, record: RecordedRequest, events: readonly StreamEvent[]): Promise<void> {
  for (const event of events) {
    if (res.destroyed) return;
    if ('delayMs' in event) await wait(event.delayMs);
    else await send(res, record, eventText(event));
  }
}

async function writeEndless(res: ServerResponse, record: RecordedRequest, reply: Extract<Reply, { kind: 'endless' }>): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  await writeEvents(res, record, reply.head ?? []);
  const maxBytes = reply.maxBytes ?? HOSTILE_MAX_BYTES;
  for (let n = 0; !res.destroyed && record.bytesSent < maxBytes; n += 1) {
    const event = reply.event(n);
    if ('delayMs' in event) await wait(event.delayMs);
    else await send(res, record, eventText(event));
  }
  if (!res.destroyed) res.end();
}

async function writeHugeError(res: ServerResponse, record: RecordedRequest, reply: Extract<Reply, { kind: 'huge-error' }>): Promise<void> {
  res.writeHead(reply.status, { 'content-type': 'text/plain', 'content-length': String(reply.bytes) });
  const piece = (reply.fill ?? 'x').repeat(Math.ceil(16_384 / (reply.fill ?? 'x').length));
  while (!res.destroyed && record.bytesSent < reply.bytes) {
    await send(res, record, piece.slice(0, Math.min(piece.length, reply.bytes - record.bytesSent)));
  }
  if (!res.destroyed) res.end();
}

export async function startOpenAiCompatibleServer(): Promise<OpenAiCompatibleServer> {
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  const requestWaiters: Array<() => void> = [];
  const closeWaiters = new Map<number, Array<(at: number) => void>>();
  const sockets = new Set<Socket>();

  const notifyRequests = (): void => {
    for (const waiter of requestWaiters.splice(0)) waiter();
  };

  const serve = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> => {
    if (req.method !== 'POST' || record.path !== '/v1/chat/completions') {
      return sendJson(res, 404, {
        error: { message: `Unknown route ${req.method} ${record.path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' },
      });
    }
    if (record.body === undefined) {
      return sendJson(res, 400, { error: { message: 'The body is not valid JSON.', type: 'invalid_request_error', param: null, code: null } });
    }
    const queued = queue.shift();
    if (queued === undefined) {
      return sendJson(res, 500, { error: { message: 'The test server has no reply queued for this request.', type: 'server_error', param: null, code: null } });
    }
    const reply = queued.kind === 'from-request' ? queued.reply(record) : queued;
    if (reply.kind === 'from-request') throw new Error('a from-request reply must build another kind of reply');
    if (reply.kind === 'error') return sendJson(res, reply.status, reply.body ?? '', reply.headers);
    if (reply.kind === 'endless') return writeEndless(res, record, reply);
    if (reply.kind === 'huge-error') return writeHugeError(res, record, reply);
    const head = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };
    if (reply.kind === 'stall') {
      if (reply.head !== false) {
        res.writeHead(200, head);
        res.flushHeaders();
        await writeEvents(res, record, reply.events ?? []);
      }
      return; // nothing more until the client hangs up
    }
    res.writeHead(200, head);
    await writeEvents(res, record, reply.events);
    const streamOptions = record.body.stream_options as { include_usage?: unknown } | undefined;
    if (reply.usage && streamOptions?.include_usage === true) {
      const usage = { ...reply.usage, total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens };
      await writeEvents(res, record, [{ chunk: { ...CHUNK_BASE, choices: [], usage } }]);
    }
    if (reply.done !== false) res.write('data: [DONE]\n\n');
    res.end();
  };

  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      headers: req.headers,
      body: undefined,
      receivedAt: performance.now(),
      clientAborted: false,
      bytesSent: 0,
    };
    const index = requests.length;
    requests.push(record);
    res.on('close', () => {
      record.closedAt = performance.now();
      record.clientAborted = !res.writableFinished;
      for (const waiter of closeWaiters.get(index) ?? []) waiter(record.closedAt);
      closeWaiters.delete(index);
    });
    void readBody(req)
      .then((text) => {
        record.body = parseJson(text);
        notifyRequests();
        return serve(req, res, record);
      })
      .catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    pending: () => queue.length,
    waitForRequests(count) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (requests.filter((r) => r.body !== undefined || r.closedAt !== undefined).length >= count) resolve();
          else requestWaiters.push(check);
        };
        check();
      });
    },
    waitForClose(index) {
      const record = requests[index];
      if (record?.closedAt !== undefined) return Promise.resolve(record.closedAt);
      return new Promise((resolve) => {
        const list = closeWaiters.get(index) ?? [];
        list.push(resolve);
        closeWaiters.set(index, list);
      });
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
