import { describe, expect, it } from 'vitest';
import { loadConfig } from './backend-config.ts';
import { didYouMean, FlagError, flagProblem, formatFlagList, parseFlags, type FlagTable } from './cli-flags.ts';

const table = {
  port: { type: 'string' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  tag: { type: 'string', multiple: true, short: 't' },
  quiet: { type: 'boolean' },
} satisfies FlagTable;

describe('didYouMean', () => {
  it('suggests the closest name for a slip, a prefix, a case or underscore difference, and nothing for a stranger', () => {
    const names = Object.keys(table);
    expect(didYouMean('prot', names)).toBe('port');
    expect(didYouMean('hots', names)).toBe('host');
    expect(didYouMean('data', names)).toBe('data-dir');
    expect(didYouMean('DATA_DIR', names)).toBe('data-dir');
    expect(didYouMean('quite', names)).toBe('quiet');
    expect(didYouMean('verbose', names)).toBeUndefined();
    expect(didYouMean('x', names)).toBeUndefined();
  });
});

describe('flagProblem', () => {
  it.each([
    [['--prot', '9'], 'unknown option --prot (did you mean --port?)'],
    [['--prot=9'], 'unknown option --prot (did you mean --port?)'],
    [['-port', '9'], 'unknown option -port (did you mean --port?)'],
    [['--verbose'], 'unknown option --verbose'],
    [['-x'], 'unknown option -x'],
    [['--port'], '--port needs a value'],
    [['--port', '--quiet'], '--port needs a value (got the option --quiet)'],
    [['--quiet=yes'], '--quiet takes no value (got "yes")'],
  ])('%j → %s', (args, message) => {
    expect(flagProblem(args, table)?.message).toBe(message);
  });

  it('accepts what parseArgs accepts, stops at --, and reports --help / -h as a help request', () => {
    for (const args of [[], ['a', '--port', '1', '-t', 'x', '--tag=y', '--quiet', 'b'], ['--port=-1'], ['--', '--whatever']])
      expect(flagProblem(args, table)).toBeUndefined();
    expect(flagProblem(['--help'], table)).toEqual({ message: 'help', help: true });
    expect(flagProblem(['-h'], table)?.help).toBe(true);
    expect(flagProblem(['x'], table, false)?.message).toBe('unexpected argument "x"');
  });
});

describe('parseFlags', () => {
  it('parses like parseArgs and ignores the help fields', () => {
    const { values, positionals } = parseFlags({
      args: ['f', '--port', '9', '-t', 'a', '-t', 'b'],
      allowPositionals: true,
      strict: true,
      options: { ...table, port: { type: 'string', help: 'the port', env: 'PORT' } },
    });
    expect(values).toEqual({ port: '9', tag: ['a', 'b'] });
    expect(positionals).toEqual(['f']);
  });

  it('throws a FlagError carrying the table, the suggestion, or the help request', () => {
    const attempt = (args: string[]) => {
      try {
        parseFlags({ args, allowPositionals: true, strict: true, options: table });
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const unknown = attempt(['--prot', '1']);
    expect(unknown).toBeInstanceOf(FlagError);
    expect(unknown).toMatchObject({ message: 'unknown option --prot (did you mean --port?)', suggestion: '--port', help: false, flags: table });
    expect(attempt(['--help'])).toMatchObject({ help: true, flags: table });
  });

  it('is what loadConfig parses serve flags with: a typo names the flag it meant', () => {
    expect(() => loadConfig({}, ['--data-dri', '/tmp/x'])).toThrow('unknown option --data-dri (did you mean --data-dir?)');
    expect(loadConfig({}, ['--port', '0']).port).toBe(0);
  });
});

describe('formatFlagList', () => {
  it('lists every flag of the table in order, with its value, help, variable and repeatability; a new flag appears without help', () => {
    const text = formatFlagList(
      { ...table, 'llm-base-url': { type: 'string' } },
      { port: { help: 'port to listen on', env: 'PORT' }, tag: { help: 'a tag', value: 'TAG' } },
    );
    expect(text.split('\n')).toEqual([
      '  --port N            port to listen on (env PORT)',
      '  --host VALUE',
      '  --data-dir DIR',
      '  -t, --tag TAG       a tag (repeatable)',
      '  --quiet',
      '  --llm-base-url URL',
    ]);
    // The table's own help wins over the extra lines.
    expect(formatFlagList({ port: { type: 'string', help: 'own' } }, { port: { help: 'extra' } })).toBe('  --port N  own');
  });
});
