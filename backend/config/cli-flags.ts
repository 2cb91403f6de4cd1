/**
 * Command-line flags a person can recover from: `parseFlags` is `parseArgs` (strict) whose
 * errors say what is wrong in one line and suggest the closest flag ("unknown option --prot
 * (did you mean --port?)"), and whose `--help` is a `FlagError` too, so the caller prints the
 * usage. The usage's option list comes from the same table (`formatFlagList`): a flag added
 * to the table appears in `--help` without another edit. Entries may carry `help`, `env`
 * and `value` (ignored by parseArgs) for that list.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;
type OptionConfig = Options[string];

/** What the usage shows of a flag, besides its name and kind. */
export interface FlagHelp {
  /** One line: what it does. */
  help?: string;
  /** The environment variable it overrides. */
  env?: string;
  /** Placeholder of its value (`URL`, `N`); default from the name. */
  value?: string;
}

export type FlagTable = Record<string, OptionConfig & FlagHelp>;

export class FlagError extends Error {
  constructor(
    message: string,
    /** The table the arguments were checked against (for the usage). */
    readonly flags: FlagTable,
    /** `--help` / `-h` was asked for (not an error: print the usage, exit 0). */
    readonly help = false,
    /** The closest known flag, e.g. `--port`. */
    readonly suggestion?: string,
  ) {
    super(message);
    this.name = 'FlagError';
  }
}

/** Edit distance (insert, delete, substitute, swap of neighbours). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `input` when it is close enough to be a slip, else undefined. */
export function didYouMean(input: string, known: Iterable<string>): string | undefined {
  const needle = input.toLowerCase().replace(/_/g, '-');
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    if (name === needle) return name;
    const d = distance(needle, name);
    // A prefix (`--data` for `--data-dir`) counts as close; otherwise about a third of the letters may be wrong.
    const score = name.startsWith(needle) && needle.length >= 3 ? 0.5 : d <= Math.max(1, Math.floor(Math.max(needle.length, name.length) / 3)) ? d : Infinity;
    if (score < (best?.score ?? Infinity)) best = { name, score };
  }
  return best?.name;
}

const dashes = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/**
 * What is wrong with `args` for `flags`, as one line, or undefined when nothing is;
 * `--help`/`-h` (when the table does not define them) comes back as `{ help: true }`.
 */
export function flagProblem(
  args: readonly string[],
  flags: Options,
  allowPositionals = true,
): { message: string; help?: boolean; suggestion?: string } | undefined {
  const longs = Object.keys(flags);
  const shorts = new Map(Object.entries(flags).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') {
      if (!allowPositionals) return { message: `unexpected argument "${arg}"` };
      continue;
    }
    const long = arg.startsWith('--');
    const [rawName, inline] = long
      ? [arg.slice(2).split('=')[0] as string, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined]
      : [arg.slice(1), undefined];
    let name = rawName;
    if (!long) {
      if (rawName.length === 1 && shorts.has(rawName)) name = shorts.get(rawName) as string;
      else if (rawName.length > 1 && longs.includes(rawName))
        return { message: `unknown option ${arg} (did you mean --${rawName}?)`, suggestion: `--${rawName}` };
      else if (rawName.length > 1) {
        // A cluster of short flags (-ab) is not used by our commands: say which letter is unknown.
        const letter = [...rawName].find((c) => !shorts.has(c));
        if (letter !== undefined) {
          const guess = didYouMean(rawName, longs);
          return { message: `unknown option ${arg}${guess ? ` (did you mean --${guess}?)` : ''}`, ...(guess ? { suggestion: `--${guess}` } : {}) };
        }
        continue;
      }
    }
    const spec = flags[name];
    if (!spec) {
      if (name === 'help' || name === 'h') return { message: 'help', help: true };
      const guess = didYouMean(name, longs);
      return {
        message: `unknown option ${long ? `--${rawName}` : arg}${guess ? ` (did you mean ${dashes(guess)}?)` : ''}`,
        ...(guess ? { suggestion: dashes(guess) } : {}),
      };
    }
    if (spec.type === 'boolean') {
      if (inline !== undefined) return { message: `${dashes(name)} takes no value (got "${inline}")` };
      continue;
    }
    if (inline !== undefined) continue;
    const next = args[i + 1];
    if (next === undefined || (next.startsWith('-') && next !== '-' && !/^-\d/.test(next)))
      return { message: `${dashes(name)} needs a value${next === undefined ? '' : ` (got the option ${next})`}` };
    i++;
  }
  return undefined;
}

/** Only what parseArgs knows of each entry. */
function parseArgsOptions(flags: FlagTable): Options {
  return Object.fromEntries(Object.entries(flags).map(([name, { help: _h, env: _e, value: _v, ...config }]) => [name, config])) as Options;
}

type Config = { args: string[]; options: FlagTable; allowPositionals?: boolean; strict?: boolean };

/**
 * `parseArgs`, strict, but a problem is a `FlagError` with one clear line and the closest
 * flag, and `--help`/`-h` (unless the table has them) is a `FlagError` with `help: true`.
 */
export function parseFlags<const T extends Config>(config: T): ReturnType<typeof parseArgs<T>> {
  const problem = flagProblem(config.args, config.options, config.allowPositionals ?? false);
  if (problem) throw new FlagError(problem.message, config.options, problem.help ?? false, problem.suggestion);
  try {
    return parseArgs({ ...config, options: parseArgsOptions(config.options) }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    // Anything our check did not foresee: still one line, still a FlagError.
    throw new FlagError((err instanceof Error ? err.message : String(err)).split('. ')[0] ?? 'bad arguments', config.options);
  }
}

function placeholder(name: string, spec: OptionConfig & FlagHelp): string {
  if (spec.type === 'boolean') return '';
  if (spec.value) return spec.value;
  if (/(^|-)(url|urls)$/.test(name)) return 'URL';
  if (/(^|-)dir$/.test(name)) return 'DIR';
  if (/(^|-)(ms|port|rounds|limit|bytes|n)$/.test(name) || name.startsWith('max-')) return 'N';
  if (/(^|-)(origins)$/.test(name)) return 'LIST';
  return 'VALUE';
}

/**
 * The option lines of a usage text, one per flag of the table in its order: `--port N`, what
 * it does (`help`, else `extra[name]`), its environment variable, "repeatable".
 */
export function formatFlagList(flags: FlagTable, extra: Record<string, FlagHelp> = {}): string {
  const rows = Object.entries(flags).map(([name, spec]) => {
    const info = {
      ...extra[name],
      ...Object.fromEntries(Object.entries({ help: spec.help, env: spec.env, value: spec.value }).filter(([, v]) => v !== undefined)),
    } as FlagHelp;
    const value = placeholder(name, { ...spec, ...info });
    const left = `${spec.short ? `-${spec.short}, ` : ''}--${name}${value ? ` ${value}` : ''}`;
    const notes = [info.env ? `env ${info.env}` : '', spec.multiple ? 'repeatable' : ''].filter(Boolean).join('; ');
    const right = [info.help ?? '', notes ? `(${notes})` : ''].filter(Boolean).join(' ');
    return [left, right] as const;
  });
  const width = Math.min(30, Math.max(...rows.map(([l]) => l.length)) + 2);
  return rows.map(([l, r]) => (r ? (l.length + 2 > width ? `  ${l}\n  ${''.padEnd(width)}${r}` : `  ${l.padEnd(width)}${r}`) : `  ${l}`)).join('\n');
}
