/**
 * Every error code of the wire protocol, in one table (protocol.md §2, §4, Part 2 "HTTP"),
 * as Fastify keeps its errors: each code with its default human-readable message and the
 * HTTP status a REST answer with it has. Clients receive `{ code, message }`; never a stack
 * trace. A new code is one new row.
 */
export interface ErrorSpec {
  /** HTTP status of a REST answer with this code. */
  readonly status: number;
  /** Default message; servers may say more. */
  readonly message: string;
}

export const ERRORS = {
  INVALID_JSON: { status: 400, message: 'The message is not valid JSON.' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'The message is larger than 8192 bytes.' },
  VALIDATION_FAILED: { status: 400, message: 'The message does not match the protocol schema.' },
  UNKNOWN_TYPE: { status: 400, message: 'Unknown message type.' },
  FORBIDDEN: { status: 403, message: 'Not allowed.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed on this path.' },
  RATE_LIMITED: { status: 429, message: 'Too many messages; slow down.' },
  QUEUE_FULL: { status: 429, message: 'Too many queued runs for this user.' },
  AUTH_REQUIRED: { status: 401, message: 'A token is required.' },
  AUTH_INVALID: { status: 401, message: 'The token is invalid.' },
  AUTH_EXPIRED: { status: 401, message: 'The token has expired.' },
  TOO_MANY_CONNECTIONS: { status: 429, message: 'Too many connections for this user.' },
  UNAVAILABLE: { status: 503, message: 'A backend dependency is unavailable; try again shortly.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES: readonly ErrorCode[] = Object.keys(ERRORS) as ErrorCode[];

/** Each code by name (`ErrorCode.NOT_FOUND === 'NOT_FOUND'`), derived from the table. */
export const ErrorCode: { readonly [C in ErrorCode]: C } = Object.freeze(
  Object.fromEntries(ERROR_CODES.map((code) => [code, code])) as { [C in ErrorCode]: C },
);

/** Default human-readable message per code; servers may say more. */
export const DEFAULT_ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = Object.freeze(
  Object.fromEntries(ERROR_CODES.map((code) => [code, ERRORS[code].message])) as Record<ErrorCode, string>,
);

/** The HTTP status of a REST answer with `code`. */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].status;
}

/** Auth codes: a refused handshake carries one of these. */
export const AUTH_ERROR_CODES: readonly ErrorCode[] = [ErrorCode.AUTH_REQUIRED, ErrorCode.AUTH_INVALID, ErrorCode.AUTH_EXPIRED, ErrorCode.TOO_MANY_CONNECTIONS];

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
  return code === ErrorCode.TOO_MANY_CONNECTIONS || code === ErrorCode.FORBIDDEN ? WsCloseCode.FORBIDDEN : WsCloseCode.AUTH;
}
