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

/**
 * A dependency's error message as a client may see it: addresses (`host:port`, IPs, URLs
 * with credentials) and file paths removed, at most 200 characters. The full message goes
 * to the log only.
 */
export function clientSafeMessage(message: string): string {
  const cleaned = message
    .replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, '<url>')
    .replace(/\[[0-9a-f:.]+\](?::\d+)?/gi, '<address>')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, '<address>')
    .replace(/(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])/gi, '<address>')
    .replace(/\b[a-z0-9-]+(?:\.[a-z0-9-]+)*:\d{2,5}\b/gi, '<address>')
    .replace(/(?:[a-z]:)?(?:[\\/][\w.@-]+){2,}[\\/]?/gi, '<path>')
    .trim();
  return (cleaned || 'A backend dependency is unavailable.').slice(0, 200);
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
