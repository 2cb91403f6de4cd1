/**
 * The backend's log: one line per event an operator cares about, as JSON lines
 * (`LOG_FORMAT=json`: `ts`, `level`, `msg`, then the event's fields such as `user`, `run`,
 * `message_id`, `code`) or human lines (`pretty`, the default: `[flowscope] info: msg key=value`).
 * Levels `debug` < `info` < `warn` < `error` (`LOG_LEVEL`, default `info`; `--quiet` means `warn`).
 *
 * Ours rather than pino: pino is not a dependency of this package, and what is needed is small
 * (one synchronous write per line, four levels, two formats) while what matters most, that no
 * secret reaches a line, is ours either way: every string of every line (message, fields,
 * error) passes `redactLogText` (the configured secrets through the agents' redactor,
 * backend/agents/secret-redaction.ts, plus JWTs, Bearer credentials, passwords in URLs and
 * token query parameters, whoever wrote them).
 */
import { createSecretRedactor } from '../agents/secret-redaction.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** A line's fields: flat values (objects are written as JSON text). */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * What startBackend logs through. `err` (any thrown value) is written as `err` (name and
 * message; the stack with FLOWSCOPE_DEBUG); `fields` are the line's structured fields.
 * A plain `(level, message, err) => void` is still a Logger.
 */
export type Logger = (level: LogLevel, message: string, err?: unknown, fields?: LogFields) => void;

export interface LoggerOptions {
  format?: LogFormat | undefined;
  /** Lines below this level are dropped (default `info`). */
  level?: LogLevel | undefined;
  /** Strings never to write (JWT secret, API keys, header values...); short or empty ones are ignored. */
  secrets?: Iterable<string | undefined> | undefined;
  /** Where a line goes (default: stdout, `error` lines of the pretty format to stderr). */
  write?: ((line: string, level: LogLevel) => void) | undefined;
  /** Written on every JSON line (default: this process's pid). */
  pid?: number | undefined;
}

/** A Logger that can also write a line whatever the level (the start and stop lines of `flowscope serve`). */
export interface BackendLogger extends Logger {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Writes the line even below the level (start, stop). */
  always(level: LogLevel, message: string, fields?: LogFields): void;
  /** True when a line of `level` would be written. */
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `LOG_LEVEL` / `--log-level`: one of the levels, else one line listing them. */
export function parseLogLevel(value: string | undefined, name = 'LOG_LEVEL'): LogLevel | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  const level = v === 'warning' ? 'warn' : v;
  if ((LOG_LEVELS as readonly string[]).includes(level)) return level as LogLevel;
  throw new Error(`${name} must be one of ${LOG_LEVELS.join(', ')}; got "${value}"`);
}

/** `LOG_FORMAT` / `--log-format`: `pretty` or `json`, else one line listing them. */
export function parseLogFormat(value: string | undefined, name = 'LOG_FORMAT'): LogFormat | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if ((LOG_FORMATS as readonly string[]).includes(v)) return v as LogFormat;
  throw new Error(`${name} must be one of ${LOG_FORMATS.join(', ')}; got "${value}"`);
}

/** The stricter of two levels. */
export function stricterLevel(a: LogLevel, b: LogLevel): LogLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

// Secrets recognisable by their shape, whoever wrote them.
// None crosses a NUL: the strings of one line are redacted together, joined by NULs.
const JWT = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b([Bb]earer)\s+[^\s"',;\0]+|\b(Basic)\s+[A-Za-z0-9+/=]{8,}/g;
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@\0]*):[^\s@/\0]+@/gi;
const TOKEN_PARAM = /([?&](?:token|access_token|api_key|apikey|key|secret|password)=)[^&\s"'\0]+/gi;

/** A redactor of `secrets` and of every JWT, Bearer credential, URL password and token parameter. */
export function createLogRedactor(secrets: Iterable<string | undefined> = []): (text: string) => string {
  const redactor = createSecretRedactor(secrets);
  return (text: string): string =>
    redactor
      .text(text)
      .replace(JWT, '[redacted jwt]')
      .replace(BEARER, (_m, bearer: string | undefined, basic: string | undefined) => `${bearer ?? basic} [redacted]`)
      .replace(URL_PASSWORD, '$1:[redacted]@')
      .replace(TOKEN_PARAM, '$1[redacted]');
}

function errorText(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof err === 'string') return err;
  try {
    return String(err);
  } catch {
    return 'an unprintable value';
  }
}

/** A value as one short token of a pretty line: quoted when it has spaces or quotes. */
function prettyValue(value: string): string {
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

export function createLogger(options: LoggerOptions = {}): BackendLogger {
  const format = options.format ?? 'pretty';
  const threshold = options.level ?? 'info';
  const redact = createLogRedactor(options.secrets ?? []);
  const pid = options.pid ?? process.pid;
  const write =
    options.write ??
    ((line: string, level: LogLevel) => {
      if (format === 'pretty' && level === 'error') process.stderr.write(`${line}\n`);
      else process.stdout.write(`${line}\n`);
    });

  const emit = (level: LogLevel, message: string, err: unknown, fields: LogFields | undefined): void => {
    let line: string;
    try {
      const clean: Array<[string, string | number | boolean | null]> = [];
      for (const [key, value] of Object.entries(fields ?? {})) if (value !== undefined) clean.push([key, value]);
      // Every string of the line in one pass (a secret holds no NUL, so no match crosses one).
      const texts = [message, ...clean.map(([, v]) => (typeof v === 'string' ? v : ''))];
      if (err !== undefined) texts.push(errorText(err));
      const stackText = err instanceof Error && err.stack && process.env.FLOWSCOPE_DEBUG ? err.stack : undefined;
      if (stackText !== undefined) texts.push(stackText);
      const redacted = redact(texts.map((t) => t.replaceAll('\0', ' ')).join('\0')).split('\0');
      const msg = redacted[0] ?? '';
      clean.forEach((entry, i) => {
        if (typeof entry[1] === 'string') entry[1] = redacted[i + 1] ?? '';
      });
      const errText = err === undefined ? undefined : redacted[clean.length + 1];
      const stack = stackText === undefined ? undefined : redacted[clean.length + (err === undefined ? 1 : 2)];
      if (format === 'json') {
        const record: Record<string, unknown> = { ts: new Date().toISOString(), level, msg };
        for (const [key, value] of clean) if (!(key in record)) record[key] = value;
        if (errText !== undefined) record.err = errText;
        if (stack !== undefined) record.stack = stack;
        record.pid ??= pid;
        line = JSON.stringify(record);
      } else {
        const parts = clean.map(([key, value]) => `${key}=${value === null ? 'null' : prettyValue(String(value))}`);
        line = `[flowscope] ${level}: ${msg}${parts.length ? ` ${parts.join(' ')}` : ''}${errText !== undefined ? ` (${errText})` : ''}`;
        if (stack !== undefined) line += `\n${stack}`;
      }
    } catch {
      line =
        format === 'json'
          ? JSON.stringify({ ts: new Date().toISOString(), level, msg: 'a log line could not be written' })
          : '[flowscope] error: a log line could not be written';
    }
    write(line, level);
  };

  const logger = ((level: LogLevel, message: string, err?: unknown, fields?: LogFields) => {
    if (RANK[level] < RANK[threshold]) return;
    emit(level, message, err, fields);
  }) as BackendLogger;
  Object.defineProperties(logger, {
    level: { value: threshold },
    format: { value: format },
    always: { value: (level: LogLevel, message: string, fields?: LogFields) => emit(level, message, undefined, fields) },
    enabled: { value: (level: LogLevel) => RANK[level] >= RANK[threshold] },
  });
  return logger;
}
