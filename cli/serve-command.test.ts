/** `flowscope serve`'s usage and flag errors (answered before anything starts), with captured IO. */
import { describe, expect, it } from 'vitest';
import { FlagError, loadConfig } from '../backend/index.ts';
import { serveCommand } from './serve-command.ts';
import { captureIo } from './test-support/captured-io.ts';

/** The option table loadConfig parses with, as its FlagError carries it. */
function serveFlags(): string[] {
  try {
    loadConfig({}, ['--help']);
  } catch (err) {
    if (err instanceof FlagError) return Object.keys(err.flags);
  }
  throw new Error('loadConfig did not answer --help with a FlagError');
}

describe('flowscope serve usage', () => {
  it('--help and -h print the usage with every flag of the option table and exit 0', async () => {
    const flags = serveFlags();
    expect(flags).toEqual(expect.arrayContaining(['host', 'port', 'data-dir', 'database-url', 'redis-url', 'quiet']));
    for (const arg of ['--help', '-h']) {
      const io = captureIo(process.cwd());
      expect(await serveCommand([arg], io)).toBe(0);
      expect(io.err()).toBe('');
      const out = io.out();
      expect(out.startsWith('Usage: flowscope serve [options]\n')).toBe(true);
      for (const flag of flags) expect(out).toMatch(new RegExp(`^  (-\\w, )?--${flag}\\b`, 'm'));
      expect(out).toMatch(/^ {2}--port N +port \(8000\); 0 picks a free one \(env PORT\)$/m);
      expect(out).toMatch(/^ {2}-h, --help +show this help$/m);
    }
  });

  it('each connection limit says what it bounds and its default', async () => {
    const io = captureIo(process.cwd());
    expect(await serveCommand(['--help'], io)).toBe(0);
    const help = io.out().replace(/\n {20,}/g, ' '); // a long flag's help continues on the next line
    for (const [flag, text] of [
      ['max-connections', 'open connections and handshakes in this process, all addresses (10000) (env MAX_CONNECTIONS)'],
      ['max-handshakes-per-address', 'the same, per client address (32) (env MAX_HANDSHAKES_PER_ADDRESS)'],
      ['max-inbound-backlog', 'messages waiting on one connection; past it the connection is closed with 4429 (256) (env MAX_INBOUND_BACKLOG)'],
      [
        'max-outbound-buffer-bytes',
        'bytes owed to a connection that stopped reading; past it the connection is dropped with 4408 (8388608) (env MAX_OUTBOUND_BUFFER_BYTES)',
      ],
    ] as const) {
      expect(help).toMatch(new RegExp(`^  --${flag} N +${text.replace(/[()]/g, '\\$&')}$`, 'm'));
    }
  });

  it('an unknown flag answers with one line, the closest flag, and the usage; exit 2', async () => {
    for (const [args, line] of [
      [['--prot', '9000'], 'flowscope serve: unknown option --prot (did you mean --port?)'],
      [['--data', '/tmp/x'], 'flowscope serve: unknown option --data (did you mean --data-dir?)'],
      [['-port', '9000'], 'flowscope serve: unknown option -port (did you mean --port?)'],
      [['--verbose'], 'flowscope serve: unknown option --verbose'],
      [['--port'], 'flowscope serve: --port needs a value'],
      [['--quiet=1'], 'flowscope serve: --quiet takes no value (got "1")'],
    ] as const) {
      const io = captureIo(process.cwd());
      expect(await serveCommand([...args], io)).toBe(2);
      expect(io.out()).toBe('');
      expect(io.err()).toMatch(/^flowscope serve: .*\n\nUsage: flowscope serve \[options\]\n/);
      expect(io.err().split('\n')[0]).toBe(line);
      expect(io.err()).not.toContain('parseArgs');
      expect(io.err()).not.toContain('To specify a positional argument');
    }
  });

  it('a bad value is one line without the usage; exit 2', async () => {
    const io = captureIo(process.cwd(), { env: { PORT: 'eighty' } });
    expect(await serveCommand([], io)).toBe(2);
    expect(io.err()).toBe('flowscope serve: PORT must be a non-negative integer, got "eighty"\n');
  });

  it('agents over HTTP: --help lists the header and timeout flags; a bad entry is one line that never shows the value; exit 2', async () => {
    const help = captureIo(process.cwd());
    expect(await serveCommand(['--help'], help)).toBe(0);
    const out = help.out().replace(/\n {20,}/g, ' ');
    expect(out).toMatch(/^ {2}--agent-header 'NAME=H: V' +a request header for that agent over HTTP .*\(env AGENT_HEADERS; repeatable\)$/m);
    expect(out).toMatch(/^ {2}--agent-timeout-ms N +.*\(300000\) \(env AGENT_TIMEOUT_MS\)$/m);
    expect(out).toMatch(/^ {2}--agent-idle-timeout-ms N +.*\(60000\) \(env AGENT_IDLE_TIMEOUT_MS\)$/m);
    for (const [args, env, line] of [
      [
        ['--agent-header', 'mine=Authorization: Bearer hidden-1\r\nX: y'],
        {},
        '--agent-header 1 (agent "mine", header "Authorization"): the value must not contain CR, LF or NUL',
      ],
      [[], { AGENT_HEADERS: 'Authorization: Bearer hidden-1' }, 'AGENT_HEADERS line 1: expected name=Header-Name: value'],
      [[], { AGENT_IDLE_TIMEOUT_MS: '1m' }, 'AGENT_IDLE_TIMEOUT_MS must be an integer from 1 to 300000 (milliseconds), got "1m"'],
    ] as const) {
      const io = captureIo(process.cwd(), { env: { ...env } });
      expect(await serveCommand([...args], io)).toBe(2);
      expect(io.err()).toBe(`flowscope serve: ${line}\n`);
      expect(io.err()).not.toContain('hidden-1');
    }
  });
});
