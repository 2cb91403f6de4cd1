/**
 * Every error code of the wire protocol, in one place (protocol.md §2, §4).
 * Clients receive `{ code, message }`; never a stack trace.
 */
export const ErrorCode = {
  INVALID_JSON: 'INVALID_JSON',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNKNOWN_TYPE: 'UNKNOWN_TYPE',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  QUEUE_FULL: 'QUEUE_FULL',
  AUTH_REQUIRED: 'AUTH_REQUIRED',
  AUTH_INVALID: 'AUTH_INVALID',
  AUTH_EXPIRED: 'AUTH_EXPIRED',
  TOO_MANY_CONNECTIONS: 'TOO_MANY_CONNECTIONS',
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** Default human-readable message per code; servers may say more. */
export const DEFAULT_ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  INVALID_JSON: 'The message is not valid JSON.',
  MESSAGE_TOO_LARGE: 'The message is larger than 8192 bytes.',
  VALIDATION_FAILED: 'The message does not match the protocol schema.',
  UNKNOWN_TYPE: 'Unknown message type.',
  FORBIDDEN: 'Not allowed.',
  NOT_FOUND: 'Not found.',
  RATE_LIMITED: 'Too many messages; slow down.',
  QUEUE_FULL: 'Too many queued runs for this user.',
  AUTH_REQUIRED: 'A token is required.',
  AUTH_INVALID: 'The token is invalid.',
  AUTH_EXPIRED: 'The token has expired.',
  TOO_MANY_CONNECTIONS: 'Too many connections for this user.',
  UNAVAILABLE: 'A backend dependency is unavailable; try again shortly.',
  INTERNAL: 'Internal error.',
};

/** Auth codes: a refused handshake carries one of these. */
export const AUTH_ERROR_CODES: readonly ErrorCode[] = [
  ErrorCode.AUTH_REQUIRED,
  ErrorCode.AUTH_INVALID,
  ErrorCode.AUTH_EXPIRED,
  ErrorCode.TOO_MANY_CONNECTIONS,
];

/** WebSocket close codes used by `/ws` (protocol.md §2). */
export const WsCloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  /** Also an open connection whose token expired (reason AUTH_EXPIRED). */
  AUTH: 4401,
  FORBIDDEN: 4403,
  /** The client stopped reading and what it is owed passed the server's cap; resume after reconnecting. */
  SLOW_CONSUMER: 4408,
  /** Too many messages waiting unanswered on the connection (reason RATE_LIMITED). */
  BACKLOG: 4429,
} as const;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}

export function wsCloseCodeFor(code: ErrorCode): number {
  return code === ErrorCode.TOO_MANY_CONNECTIONS || code === ErrorCode.FORBIDDEN
    ? WsCloseCode.FORBIDDEN
    : WsCloseCode.AUTH;
}
