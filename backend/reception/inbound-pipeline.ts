/**
 * The one pipeline both transports feed: per-user rate limit, size limit, safe parsing,
 * normalization, validation, impersonation check, routing. Messages of one connection are
 * handled in arrival order. A refused message is answered with an error envelope and never
 * closes the connection; only a connection whose backlog (messages received and not yet
 * handled) passes its cap is refused as a whole, and the transport closes it.
 */
import { ErrorCode, parseInboundMessage, safeJsonParse, type ServerEnvelope } from '../../protocol/index.ts';
import type { Cache } from '../cache/cache-types.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { isUnavailableOrClosed } from '../errors/unavailable.ts';
import { clientSafeMessage, errorEnvelope, ProtocolError } from '../routing/error-envelope.ts';
import type { MessageRouter } from '../routing/message-router.ts';
import type { Logger } from '../logging/logger.ts';

export interface PipelineOptions {
  cache: Cache;
  router: MessageRouter;
  rateLimitMessages: number;
  rateLimitWindowMs: number;
  /** Told of every answer the pipeline sends: message_ack (accepted) and error envelopes (refused, by code). */
  onReply?(envelope: ServerEnvelope): void;
  /** Messages one connection may have waiting (received, not yet handled). */
  maxBacklog?: number;
  /** Their bytes. */
  maxBacklogBytes?: number;
  /** Also told of every refused message (one `info` line: code, user, message_id; RATE_LIMITED at most once a second per connection). */
  log: Logger;
}

/** Rate-limited refusals of one connection are logged at most this often (with the count of those not logged). */
const RATE_LIMITED_LOG_INTERVAL_MS = 1000;

/**
 * A MESSAGE_TOO_LARGE error echoes the frame's `message_id` when it can be read: the frame is
 * parsed for that alone (with the parser's depth limit) only up to this size. Both transports
 * already refuse frames above 64 KiB (`/ws` maxPayload, Socket.IO maxHttpBufferSize), so this
 * bounds the work to one 64 KiB JSON.parse per message, once the rate limit let it through.
 * The size limit itself is decided first and never depends on this read.
 */
export const OVERSIZE_ID_READ_MAX_BYTES = 64 * 1024;

/** The `message_id` of a message refused as too large, when it is cheap and safe to read (else null). */
export function oversizedMessageId(raw: unknown, bytes: number): string | null {
  if (!(bytes <= OVERSIZE_ID_READ_MAX_BYTES)) return null;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    const decoded = safeJsonParse(raw);
    if (!decoded.ok) return null;
    value = decoded.value;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const id = Object.hasOwn(value, 'message_id') ? (value as Record<string, unknown>).message_id : undefined;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : null;
}

/** A binary WebSocket frame: it takes its turn and its rate-limit hit like any message, then gets INVALID_JSON. */
export class BinaryFrame {
  constructor(readonly bytes: number) {}
}

interface Backlog {
  chain: Promise<void>;
  count: number;
  bytes: number;
  /** Set when the connection was refused: what is still queued is dropped unanswered. */
  dropped: boolean;
}

export class InboundPipeline {
  readonly #backlogs = new WeakMap<ClientConnection, Backlog>();
  readonly #rateLimitedLog = new WeakMap<ClientConnection, { at: number; suppressed: number }>();
  constructor(private readonly options: PipelineOptions) {}

  /** One line per refused message; a flood of RATE_LIMITED refusals is summed up once a second. */
  #logRefusal(connection: ClientConnection, envelope: ServerEnvelope & { type: 'error' }): void {
    const code = envelope.payload.code;
    let suppressed: number | undefined;
    if (code === ErrorCode.RATE_LIMITED) {
      const now = Date.now();
      const state = this.#rateLimitedLog.get(connection);
      if (state && now - state.at < RATE_LIMITED_LOG_INTERVAL_MS) {
        state.suppressed += 1;
        return;
      }
      suppressed = state?.suppressed || undefined;
      this.#rateLimitedLog.set(connection, { at: now, suppressed: 0 });
    }
    this.options.log('info', 'message refused', undefined, {
      user: connection.userId,
      connection: connection.id,
      transport: connection.transport,
      code,
      message_id: envelope.payload.message_id,
      ...(suppressed ? { also_refused: suppressed } : {}),
    });
  }

  /**
   * Queues `raw` behind the connection's earlier messages. Returns null, queuing nothing,
   * when the connection's backlog would pass `maxBacklog` messages or `maxBacklogBytes`
   * bytes: the caller then closes the connection (RATE_LIMITED, docs/protocol.md).
   */
  receive(connection: ClientConnection, raw: unknown, bytes = 0): Promise<void> | null {
    let backlog = this.#backlogs.get(connection);
    if (!backlog) this.#backlogs.set(connection, (backlog = { chain: Promise.resolve(), count: 0, bytes: 0, dropped: false }));
    if (backlog.dropped) return null;
    const maxCount = this.options.maxBacklog ?? Number.POSITIVE_INFINITY;
    const maxBytes = this.options.maxBacklogBytes ?? Number.POSITIVE_INFINITY;
    if (backlog.count + 1 > maxCount || (backlog.count > 0 && backlog.bytes + bytes > maxBytes)) {
      backlog.dropped = true;
      return null;
    }
    backlog.count += 1;
    backlog.bytes += bytes;
    const entry = backlog;
    const next = entry.chain.then(async () => {
      try {
        if (!entry.dropped) await this.#process(connection, raw);
      } finally {
        entry.count -= 1;
        entry.bytes -= bytes;
      }
    });
    entry.chain = next;
    return next;
  }

  /** Messages received on the connection and not yet handled. */
  backlog(connection: ClientConnection): number {
    return this.#backlogs.get(connection)?.count ?? 0;
  }

  /** Drops what the connection still has queued (it was closed by the server). */
  drop(connection: ClientConnection): void {
    const backlog = this.#backlogs.get(connection);
    if (backlog) backlog.dropped = true;
    else this.#backlogs.set(connection, { chain: Promise.resolve(), count: 0, bytes: 0, dropped: true });
  }

  async #process(connection: ClientConnection, raw: unknown): Promise<void> {
    const answer = (envelope: ServerEnvelope): void => {
      this.options.onReply?.(envelope);
      if (envelope.type === 'error') this.#logRefusal(connection, envelope);
      else if (envelope.type === 'message_ack') {
        // At debug: links the client's message_id to its run (the run's end line names the run).
        this.options.log('debug', 'message accepted', undefined, {
          user: connection.userId,
          connection: connection.id,
          message_id: envelope.payload.message_id,
          run: envelope.payload.run_id,
          queue_position: envelope.payload.queue_position,
          duplicate: envelope.payload.duplicate || undefined,
        });
      }
      connection.send(envelope);
    };
    let messageId: string | null = null;
    try {
      const rate = await this.options.cache.hitRateLimit(`rate:${connection.userId}`, this.options.rateLimitMessages, this.options.rateLimitWindowMs);
      if (!rate.allowed) {
        answer(
          errorEnvelope(
            ErrorCode.RATE_LIMITED,
            `More than ${this.options.rateLimitMessages} messages in ${this.options.rateLimitWindowMs} ms; retry in ${rate.retryAfterMs} ms.`,
            null,
            { retry_after_ms: rate.retryAfterMs },
            { retry_after_ms: rate.retryAfterMs },
          ),
        );
        return;
      }
      if (raw instanceof BinaryFrame) {
        answer(errorEnvelope(ErrorCode.INVALID_JSON, 'Binary frames are not supported; send JSON text frames.', null, { reason: 'binary frame' }));
        return;
      }
      const parsed = parseInboundMessage(raw);
      if (!parsed.ok) {
        const id = parsed.code === ErrorCode.MESSAGE_TOO_LARGE ? oversizedMessageId(raw, parsed.details?.bytes ?? Number.POSITIVE_INFINITY) : parsed.messageId;
        answer(errorEnvelope(parsed.code, parsed.message, id, parsed.details));
        return;
      }
      const envelope = parsed.envelope;
      messageId = envelope.message_id ?? null;
      if (envelope.user_id !== undefined && envelope.user_id !== connection.userId) {
        answer(errorEnvelope(ErrorCode.FORBIDDEN, 'user_id does not match the authenticated user; the user id is taken from the token.', messageId));
        return;
      }
      const reply: ServerEnvelope | void = await this.options.router.route(envelope, connection);
      if (reply) answer(reply);
    } catch (err) {
      if (err instanceof ProtocolError) {
        answer(errorEnvelope(err.code, err.message, messageId, err.details));
      } else if (isUnavailableOrClosed(err)) {
        this.options.log('warn', `dependency unavailable: ${err.message}`);
        answer(errorEnvelope(ErrorCode.UNAVAILABLE, clientSafeMessage(err.message), messageId));
      } else {
        this.options.log('error', 'unexpected error while handling a message', err);
        answer(errorEnvelope(ErrorCode.INTERNAL, undefined, messageId));
      }
    }
  }
}
