/**
 * Flowscope as an AG-UI endpoint (docs/ag-ui.md):
 * - `POST /agui/:agent` (Bearer token) takes AG-UI's RunAgentInput (checked with @ag-ui/core's
 *   RunAgentInputSchema), accepts the last user message as a run of `:agent` in the user's
 *   thread for the client's threadId (queue, per-user isolation, persistence, the five events,
 *   as a `user_message`), and streams the run as AG-UI events over SSE (@ag-ui/encoder), each
 *   with `id: <seq>` of the Flowscope event it comes from;
 * - `GET /agui/runs/:runId` streams a run of the user (stored events, then live ones until it
 *   ends) after the seq of `Last-Event-ID` (or `?after_seq=`): the resumption AG-UI lacks;
 *   `?thread_id=` and `?run_id=` give the ids the first stream carried (the client's).
 * The client's threadId maps to the Flowscope thread `thr_agui_<first 32 hex of
 * sha256(user id, LF, threadId)>`: stable, per user (another user's same threadId is another
 * thread), created by the first run.
 */
import { createHash, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { contentToText } from '@ag-ui/core';
import { RunAgentInputSchema } from '@ag-ui/core/schemas';
import { EventEncoder } from '@ag-ui/encoder';
import { ErrorCode, FINAL_RUN_STATUSES, type ServerEnvelope } from '../../protocol/index.ts';
import { endsRun, runEventToAgui, type AguiRunIds, type RunEnvelope } from '../agents/ag-ui/flowscope-to-ag-ui.ts';
import type { ConnectionRegistry } from '../delivery/connection-registry.ts';
import type { RunRequest } from '../routing/message-handler-service.ts';
import type { AcceptMessageResult, Store } from '../store/store-types.ts';
import { dispatch, HttpError, readJsonObject, type RouteHandler } from './http-helpers.ts';
import { RouteTable } from './route-table.ts';

/** RunAgentInput may carry a long history: 4 MiB. */
export const AGUI_BODY_LIMIT = 4 * 1024 * 1024;
/** What a user message may hold (protocol/limits: the content of a user_message). */
const MAX_CONTENT_CHARS = 8192;
const FINAL_STATUSES: ReadonlySet<string> = new Set(FINAL_RUN_STATUSES);
/** An SSE comment this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 15_000;

/** The Flowscope thread of an AG-UI threadId, for one user. */
export function aguiThreadId(userId: string, threadId: string): string {
  return `thr_agui_${createHash('sha256').update(`${userId}\n${threadId}`).digest('hex').slice(0, 32)}`;
}

/** A user's live run events on this process (delivery/), with a replay of a run's stored events merged in order. */
export interface RunEventFeed {
  open(userId: string, deliver: (envelope: ServerEnvelope) => void): Promise<RunEventSubscription>;
}
export interface RunEventSubscription {
  replay(runId: string, afterSeq: number): Promise<void>;
  close(): void;
}

/**
 * The feed through the connection registry: the stream is one more connection of the user
 * (it gets the user's events from every process through the publisher's channel) whose
 * sequencer merges a replay with live events, each seq once, in order.
 */
export function registryFeed(deps: { registry: ConnectionRegistry; store: Store; subscribeUser(userId: string): Promise<void> }): RunEventFeed {
  return {
    async open(userId, deliver) {
      const connection = { id: `agui_${randomUUID()}`, userId, transport: 'ws' as const, send: deliver };
      deps.registry.add(connection);
      const sequencer = deps.registry.sequencer(connection);
      sequencer.handled();
      try {
        await deps.subscribeUser(userId);
      } catch (err) {
        deps.registry.remove(connection);
        throw err;
      }
      return {
        replay: (runId, afterSeq) =>
          sequencer.resume(runId, async () => (await deps.store.listEvents(runId, afterSeq)).map((event) => event.envelope as ServerEnvelope)),
        close: () => deps.registry.remove(connection),
      };
    },
  };
}

export interface AguiRoutesDeps {
  store: Store;
  feed: RunEventFeed;
  agents: { has(name: string): boolean; names(): string[] };
  /** Queues a run of the user the way a user_message is queued (MessageHandlerService.submit). */
  submitRun(userId: string, request: RunRequest): Promise<AcceptMessageResult>;
  maxQueuedPerUser: number;
  /** The per-user message rate limit of the sockets (RATE_LIMIT): a run started here counts as a message. */
  rateLimit?: ((userId: string) => Promise<{ allowed: boolean; retryAfterMs: number; limit: number; windowMs: number }>) | undefined;
}

type Authed = (req: http.IncomingMessage) => Promise<string>;

export function isAguiPath(pathname: string): boolean {
  return pathname === '/agui' || pathname.startsWith('/agui/');
}

/** Writes AG-UI events as SSE, in seq order, each seq once; ends the response after the run's end. */
class AguiSseWriter {
  private readonly encoder: EventEncoder;
  private next: number;
  /** The seq written next. */
  get nextSeq(): number {
    return this.next;
  }
  private readonly held = new Map<number, RunEnvelope>();
  private keepAlive: NodeJS.Timeout | undefined;
  ended = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly ids: AguiRunIds,
    afterSeq: number,
    private readonly onEnd: () => void,
  ) {
    this.encoder = new EventEncoder();
    this.next = afterSeq + 1;
  }

  start(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      'content-type': this.encoder.getContentType(),
      'cache-control': 'no-cache, no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      'access-control-expose-headers': 'x-flowscope-run-id, x-flowscope-thread-id',
      ...headers,
    });
    this.res.flushHeaders();
    this.keepAlive = setInterval(() => this.res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    this.keepAlive.unref();
  }

  push(envelope: RunEnvelope): void {
    if (this.ended || typeof envelope.seq !== 'number' || envelope.seq < this.next) return;
    this.held.set(envelope.seq, envelope);
    let current = this.held.get(this.next);
    while (current && !this.ended) {
      this.held.delete(this.next);
      let text = '';
      for (const event of runEventToAgui(current, this.ids)) text += `id: ${current.seq}\n${this.encoder.encodeSSE(event)}`;
      this.res.write(text);
      this.next += 1;
      if (endsRun(current)) this.end();
      current = this.held.get(this.next);
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    this.res.end();
    this.onEnd();
  }

  /** Breaks the stream (no clean end: the client sees the run unfinished and resumes after its last id). */
  abort(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.keepAlive);
    this.res.destroy();
    this.onEnd();
  }
}

/** The text of the last user message of the input, checked. */
function userContent(messages: ReadonlyArray<{ role: string; content?: unknown }>): string {
  const last = [...messages].reverse().find((message) => message.role === 'user');
  if (!last)
    throw new HttpError(ErrorCode.VALIDATION_FAILED, "messages: a RunAgentInput for Flowscope needs a user message (the last one is the run's input).", {
      details: { issues: [{ path: 'messages', message: 'no message with role "user"' }] },
    });
  const text = contentToText(last.content as Parameters<typeof contentToText>[0]).trim();
  if (text === '') {
    throw new HttpError(ErrorCode.VALIDATION_FAILED, 'messages: the last user message has no text.', {
      details: { issues: [{ path: 'messages', message: 'the last user message has no text part' }] },
    });
  }
  if (text.length > MAX_CONTENT_CHARS) {
    throw new HttpError(ErrorCode.VALIDATION_FAILED, `messages: the last user message is longer than ${MAX_CONTENT_CHARS} characters.`, {
      details: { issues: [{ path: 'messages', message: `at most ${MAX_CONTENT_CHARS} characters` }] },
    });
  }
  return text;
}

export function createAguiHandler(deps: AguiRoutesDeps, authUser: Authed): (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void> {
  const { store, feed } = deps;

  /** Subscribes, then streams the run's events after `afterSeq` until it ends or the client leaves. */
  async function stream(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    userId: string,
    ids: AguiRunIds,
    afterSeq: number,
    begin: () => Promise<{ runId: string; threadId: string }>,
  ): Promise<void> {
    // Events that arrive before the run id is known are held, then filtered by it.
    const live: { runId?: string; writer?: AguiSseWriter; early: ServerEnvelope[] } = { early: [] };
    const deliver = (envelope: ServerEnvelope): void => {
      if (!('run_id' in envelope) || !('seq' in envelope)) return;
      if (live.runId === undefined) live.early.push(envelope);
      else if (envelope.run_id === live.runId) live.writer?.push(envelope as RunEnvelope);
    };
    const subscription = await feed.open(userId, deliver);
    let started: { runId: string; threadId: string };
    try {
      started = await begin();
    } catch (err) {
      subscription.close();
      throw err;
    }
    live.runId = started.runId;
    const writer = new AguiSseWriter(res, { ...ids, runId: ids.runId || started.runId }, afterSeq, () => subscription.close());
    live.writer = writer;
    writer.start({ 'x-flowscope-run-id': started.runId, 'x-flowscope-thread-id': started.threadId });
    // The client left (maybe already, while the run was being accepted): the run goes on (it is
    // stored; GET /agui/runs/:runId resumes it), this stream and its subscription end.
    if (res.destroyed || req.socket.destroyed) writer.end();
    res.on('close', () => writer.end());
    try {
      for (const envelope of live.early.splice(0)) deliver(envelope);
      await subscription.replay(started.runId, afterSeq);
      // A resume after the run's last event (Last-Event-ID = its agent_completed): nothing more will come.
      const stored = await store.getRun(started.runId);
      if (stored && FINAL_STATUSES.has(stored.status) && writer.nextSeq > (await store.lastSeq(started.runId))) writer.end();
    } catch (err) {
      // The headers are sent: no JSON error any more. The stream is broken off (the client can
      // resume after its last id) and the error is left to the server's log.
      writer.abort();
      throw err;
    }
  }

  const table = new RouteTable<RouteHandler>()
    .add('POST', '/agui/:agent', async ({ req, res, params }) => {
      const userId = await authUser(req);
      const agent = params.agent ?? '';
      if (!deps.agents.has(agent)) {
        throw new HttpError(ErrorCode.NOT_FOUND, `Unknown agent "${agent}". Known agents: ${deps.agents.names().join(', ')}.`);
      }
      const body = await readJsonObject(req, AGUI_BODY_LIMIT);
      const parsed = RunAgentInputSchema.safeParse(body);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 10).map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
        throw new HttpError(
          ErrorCode.VALIDATION_FAILED,
          `The body is not a valid AG-UI RunAgentInput: ${issues
            .map((i) => `${i.path || '(body)'}: ${i.message}`)
            .slice(0, 3)
            .join('; ')}.`,
          {
            details: { issues },
          },
        );
      }
      const input = parsed.data;
      const rate = await deps.rateLimit?.(userId);
      if (rate && !rate.allowed) {
        const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
        throw new HttpError(ErrorCode.RATE_LIMITED, `More than ${rate.limit} messages in ${rate.windowMs} ms; retry in ${rate.retryAfterMs} ms.`, {
          details: { retry_after_ms: rate.retryAfterMs },
          headers: { 'retry-after': String(seconds) },
        });
      }
      const content = userContent(input.messages as Array<{ role: string; content?: unknown }>);
      const threadId = aguiThreadId(userId, input.threadId);
      await stream(req, res, userId, { threadId: input.threadId, runId: input.runId }, 0, async () => {
        const result = await deps.submitRun(userId, {
          threadId,
          threadMustExist: false,
          content,
          agent,
          priority: 'normal',
          clientMessageId: null,
          input: { content, agent },
        });
        if (result.kind === 'thread_not_found') throw new HttpError(ErrorCode.NOT_FOUND, 'Thread not found.');
        if (result.kind === 'queue_full') {
          throw new HttpError(ErrorCode.QUEUE_FULL, `You already have ${result.queued} queued runs (limit ${deps.maxQueuedPerUser}).`);
        }
        return { runId: result.run.id, threadId };
      });
    })
    .add('GET', '/agui/runs/:runId', async ({ req, res, url, params }) => {
      const userId = await authUser(req);
      const run = await store.getRun(params.runId ?? '');
      if (!run || run.userId !== userId) throw new HttpError(ErrorCode.NOT_FOUND, 'Run not found.');
      const raw = req.headers['last-event-id'] ?? url.searchParams.get('after_seq') ?? '0';
      const text = Array.isArray(raw) ? (raw[0] ?? '0') : raw;
      if (!/^\d{1,9}$/.test(text.trim())) {
        throw new HttpError(ErrorCode.VALIDATION_FAILED, 'Last-Event-ID / after_seq: the seq (the `id:` of the last event received), an integer from 0.');
      }
      // The ids the first stream carried (POST: the client's threadId and runId), so the resumed events match it.
      const threadParam = url.searchParams.get('thread_id');
      const runParam = url.searchParams.get('run_id');
      await stream(req, res, userId, { threadId: threadParam || run.threadId, runId: runParam || run.id }, Number(text.trim()), async () => ({
        runId: run.id,
        threadId: run.threadId,
      }));
    });

  return (req, res, url) => dispatch(table, req, res, url);
}
