/**
 * The one pipeline both transports feed: per-user rate limit, size limit, safe parsing,
 * normalization, validation, impersonation check, routing. Messages of one connection are
 * handled in arrival order. A refused message is answered with an error envelope and never
 * closes the connection.
 */
import { ErrorCode, parseInboundMessage, type ServerEnvelope } from '../../protocol/index.ts';
import type { Cache } from '../cache/cache-types.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import { errorEnvelope, ProtocolError } from '../routing/error-envelope.ts';
import type { MessageRouter } from '../routing/message-router.ts';

export interface PipelineOptions {
  cache: Cache;
  router: MessageRouter;
  rateLimitMessages: number;
  rateLimitWindowMs: number;
  /** Told of every answer the pipeline sends: message_ack (accepted) and error envelopes (refused, by code). */
  onReply?(envelope: ServerEnvelope): void;
  log(level: 'error' | 'warn', message: string, err?: unknown): void;
}

/** The store or cache cannot serve now: down, or closed because the backend is shutting down. */
export function isUnavailableError(err: unknown): boolean {
  return err instanceof Error && /UnavailableError$|^StoreClosedError$/.test(err.name);
}

export class InboundPipeline {
  readonly #chains = new WeakMap<ClientConnection, Promise<void>>();
  constructor(private readonly options: PipelineOptions) {}

  /** Queues `raw` behind the connection's earlier messages. */
  receive(connection: ClientConnection, raw: unknown): Promise<void> {
    const previous = this.#chains.get(connection) ?? Promise.resolve();
    const next = previous.then(() => this.#process(connection, raw));
    this.#chains.set(connection, next);
    return next;
  }

  async #process(connection: ClientConnection, raw: unknown): Promise<void> {
    const answer = (envelope: ServerEnvelope): void => {
      this.options.onReply?.(envelope);
      connection.send(envelope);
    };
    let messageId: string | null = null;
    try {
      const rate = await this.options.cache.hitRateLimit(`rate:${connection.userId}`, this.options.rateLimitMessages, this.options.rateLimitWindowMs);
      if (!rate.allowed) {
        answer(
          errorEnvelope(ErrorCode.RATE_LIMITED, `More than ${this.options.rateLimitMessages} messages in ${this.options.rateLimitWindowMs} ms; retry in ${rate.retryAfterMs} ms.`, null, { retry_after_ms: rate.retryAfterMs }, { retry_after_ms: rate.retryAfterMs }),
        );
        return;
      }
      const parsed = parseInboundMessage(raw);
      if (!parsed.ok) {
        answer(errorEnvelope(parsed.code, parsed.message, parsed.messageId, parsed.details));
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
      } else if (isUnavailableError(err)) {
        this.options.log('warn', `dependency unavailable: ${(err as Error).message}`);
        answer(errorEnvelope(ErrorCode.UNAVAILABLE, (err as Error).message, messageId));
      } else {
        this.options.log('error', 'unexpected error while handling a message', err);
        answer(errorEnvelope(ErrorCode.INTERNAL, undefined, messageId));
      }
    }
  }
}
