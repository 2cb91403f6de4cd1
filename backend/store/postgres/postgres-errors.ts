/**
 * Maps PostgreSQL connection failures to StoreUnavailableError with a message naming the
 * server (host:port, never the password) and the fix.
 */
import { StoreUnavailableError } from '../store-errors.ts';

export interface PgTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** Host, port, database and user of a postgres:// URL, for messages. */
export function describeTarget(url: string): PgTarget {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return {
      host,
      port: Number(parsed.port || parsed.searchParams.get('port') || 5432),
      database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres',
      user: decodeURIComponent(parsed.username) || 'the default user',
    };
  } catch {
    return { host: 'localhost', port: 5432, database: 'postgres', user: 'the default user' };
  }
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EPIPE', 'ETIMEDOUT']);
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL']);
const SHUTDOWN_CODES: Record<string, string> = {
  '57P01': 'admin shutdown',
  '57P02': 'crash shutdown',
  '57P03': 'cannot connect now',
};
const TERMINATED = /connection terminated|connection ended|not queryable|connection error|terminating connection/i;
const TIMEOUT = /timeout/i;
/** 55000 (object_not_in_prerequisite_state) as the server sends it at connect time. */
const NOT_ACCEPTING = /not (currently )?accepting connections/i;

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code) return code;
  // Node's multi-address connect (localhost -> ::1 and 127.0.0.1) fails with an AggregateError.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner))
    for (const e of inner) {
      const c = errorCode(e);
      if (c) return c;
    }
  return undefined;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

/** The StoreUnavailableError for a connection-level failure, or undefined for other errors. */
export function toUnavailable(err: unknown, target: PgTarget): StoreUnavailableError | undefined {
  if (err instanceof StoreUnavailableError) return err;
  const at = `PostgreSQL at ${target.host}:${target.port}`;
  const code = errorCode(err);
  const message = errorMessage(err);
  const make = (text: string, shownCode: string) => new StoreUnavailableError('postgres', text, { code: shownCode, cause: err });

  if (code && NETWORK_CODES.has(code)) return make(`${at} is unreachable (${code}): start it or fix DATABASE_URL.`, code);
  if (code && DNS_CODES.has(code)) {
    return make(`PostgreSQL host "${target.host}" cannot be resolved (${code}): fix the host in DATABASE_URL.`, code);
  }
  if (code && SHUTDOWN_CODES[code]) {
    return make(`${at} closed the connection (${code} ${SHUTDOWN_CODES[code]}): it is restarting or stopped; Flowscope reconnects once it is back.`, code);
  }
  if (code === '3D000') {
    return make(`${at} has no database "${target.database}" (3D000): create it (createdb ${target.database}) or fix DATABASE_URL.`, code);
  }
  if (code === '28P01' || code === '28000') {
    return make(`${at} refused the credentials of user "${target.user}" (${code}): fix the user or password in DATABASE_URL.`, code);
  }
  if (code === '53300') return make(`${at} has too many connections (53300): raise max_connections or stop other clients.`, code);
  if (code === '55000' && NOT_ACCEPTING.test(message)) {
    return make(`${at} does not accept connections to database "${target.database}" now (55000): Flowscope reconnects once it does.`, code);
  }
  if (code?.startsWith('08')) return make(`${at}: connection failure (${code}): check the server and DATABASE_URL.`, code);
  if (TIMEOUT.test(message) && /connect/i.test(message)) {
    return make(`${at} did not answer in time (timeout): check that it is running and reachable, or fix DATABASE_URL.`, 'ETIMEDOUT');
  }
  if (TERMINATED.test(message)) {
    return make(`${at} closed the connection (connection terminated): Flowscope reconnects once it is back.`, 'ECONNRESET');
  }
  return undefined;
}

/**
 * An error of opening a connection: always unavailability (the server refused or could not be
 * reached, whatever the SQLSTATE), never a bug of ours.
 */
export function connectFailure(err: unknown, target: PgTarget): StoreUnavailableError {
  const known = toUnavailable(err, target);
  if (known) return known;
  const code = errorCode(err) ?? 'ECONNREFUSED';
  return new StoreUnavailableError(
    'postgres',
    `PostgreSQL at ${target.host}:${target.port} refused the connection (${code}): check the server and DATABASE_URL; Flowscope reconnects once it answers.`,
    { code, cause: err },
  );
}

export function mapPgError(err: unknown, target: PgTarget): unknown {
  return toUnavailable(err, target) ?? err;
}

export function isConnectionError(err: unknown, target: PgTarget): boolean {
  return toUnavailable(err, target) !== undefined;
}

export function pgErrorCode(err: unknown): string | undefined {
  return errorCode(err);
}

/**
 * The event a duplicate's unique violation names: its detail is `Key (run_id, seq)=(run_…, 13)
 * already exists.`, of which only the key part is the same in every server language
 * (lc_messages). Undefined when it names none.
 */
export function duplicateEventKey(err: unknown): { runId: string; seq: number } | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const detail = (err as { detail?: unknown }).detail;
  const m = typeof detail === 'string' ? /\(run_id, seq\)=\((.*), (\d+)\)/.exec(detail) : null;
  return m ? { runId: m[1]!, seq: Number(m[2]) } : undefined;
}

/** The constraint a PostgreSQL error names (a unique violation's index), if any. */
export function pgConstraint(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const constraint = (err as { constraint?: unknown }).constraint;
  return typeof constraint === 'string' ? constraint : undefined;
}
