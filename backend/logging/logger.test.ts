import { describe, expect, it } from 'vitest';
import { createLogger, createLogRedactor, parseLogFormat, parseLogLevel, type LogLevel } from './logger.ts';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: Array<{ line: string; level: LogLevel }> = [];
  const log = createLogger({ ...options, write: (line, level) => lines.push({ line, level }) });
  return { log, lines };
}

describe('logger', () => {
  it('writes JSON lines: ts, level, msg, then the fields; err as name and message', () => {
    const { log, lines } = capture({ format: 'json', pid: 42 });
    log('info', 'run ended', undefined, { user: 'u1', run: 'run_1', status: 'succeeded', duration_ms: 12, events: 5, skipped: undefined });
    log('error', 'background task failed', new TypeError('boom'));
    const [first, second] = lines.map((l) => JSON.parse(l.line) as Record<string, unknown>);
    expect(Object.keys(first!)).toEqual(['ts', 'level', 'msg', 'user', 'run', 'status', 'duration_ms', 'events', 'pid']);
    expect(first).toMatchObject({ level: 'info', msg: 'run ended', user: 'u1', events: 5, pid: 42 });
    expect(Number.isNaN(Date.parse(first!.ts as string))).toBe(false);
    expect(second).toMatchObject({ level: 'error', err: 'TypeError: boom' });
  });

  it('writes pretty lines as before, fields as key=value (quoted when needed)', () => {
    const { log, lines } = capture();
    log('warn', 'connection dropped', undefined, { user: 'u 1', code: 'SLOW_CONSUMER' });
    log('error', 'failed', new Error('x'));
    expect(lines[0]).toEqual({ line: '[flowscope] warn: connection dropped user="u 1" code=SLOW_CONSUMER', level: 'warn' });
    expect(lines[1]!.line).toBe('[flowscope] error: failed (Error: x)');
  });

  it('drops lines below its level; always() writes whatever the level', () => {
    const { log, lines } = capture({ level: 'warn' });
    log('debug', 'a');
    log('info', 'b');
    log('warn', 'c');
    log.always('info', 'listening');
    expect(lines.map((l) => l.line)).toEqual(['[flowscope] warn: c', '[flowscope] info: listening']);
    expect(log.enabled('info')).toBe(false);
  });

  it('redacts configured secrets (whole or a long run of them), JWTs, Bearer credentials, URL passwords and token parameters', () => {
    const key = 'sk-abcdefghijklmnopqrstuvwxyz0123456789';
    const redact = createLogRedactor([key]);
    expect(redact(`key ${key} and a cut one ${key.slice(0, 20)}`)).toBe('key [redacted] and a cut one [redacted]');
    expect(redact('token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl here')).toBe('token [redacted jwt] here');
    expect(redact('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer [redacted]');
    expect(redact('Basic dXNlcjpwYXNzd29yZA==')).toBe('Basic [redacted]');
    expect(redact('redis://:hunter2@cache:6379/0 and postgres://app:pw@db/x')).toBe('redis://:[redacted]@cache:6379/0 and postgres://app:[redacted]@db/x');
    expect(redact('/ws?token=abc&x=1')).toBe('/ws?token=[redacted]&x=1');
    // Prose is left alone.
    expect(redact('The token has expired; a basic check')).toBe('The token has expired; a basic check');
    const { log, lines } = capture({ format: 'json', secrets: [key] });
    log('info', `msg ${key}`, new Error(`err ${key}`), { user: `u-${key}` });
    expect(lines[0]!.line).not.toContain(key.slice(0, 12));
    expect(JSON.parse(lines[0]!.line)).toMatchObject({ msg: 'msg [redacted]', user: 'u-[redacted]', err: 'Error: err [redacted]' });
  });

  it('parses LOG_LEVEL and LOG_FORMAT, refusing others with one line naming the setting', () => {
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(parseLogLevel('warning')).toBe('warn');
    expect(parseLogLevel('')).toBeUndefined();
    expect(() => parseLogLevel('loud', '--log-level')).toThrow('--log-level must be one of debug, info, warn, error; got "loud"');
    expect(parseLogFormat('JSON')).toBe('json');
    expect(() => parseLogFormat('xml')).toThrow('LOG_FORMAT must be one of pretty, json; got "xml"');
  });
});
