/** Builds `error` envelopes: a code and a message, never a stack trace. */
import { DEFAULT_ERROR_MESSAGES, type ErrorCode, type ErrorEnvelope } from '../../protocol/index.ts';

export function errorEnvelope(
  code: ErrorCode,
  message: string | undefined,
  messageId: string | null,
  details?: unknown,
  extra?: { retry_after_ms?: number },
): ErrorEnvelope {
  return {
    type: 'error',
    timestamp: new Date().toISOString(),
    ...(messageId ? { message_id: messageId } : {}),
    payload: {
      code,
      message: message ?? DEFAULT_ERROR_MESSAGES[code],
      message_id: messageId,
      ...(details === undefined ? {} : { details }),
      ...(extra ?? {}),
    },
  };
}

/** An error the pipeline raises on purpose, answered with its code. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
