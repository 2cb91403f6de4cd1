/**
 * What the `flowscope` commands share: their terminal I/O, argv parsing with the usage on
 * error and `--help`, and the checks of the options several commands take.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { flagProblem } from '../backend/index.ts';

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  color: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Stop on SIGINT/SIGTERM and still report what ran (the real CLI; not tests). */
  handleSignals?: boolean;
}

export function processIo(): CommandIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
    cwd: process.cwd(),
    handleSignals: true,
  };
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type ParsedArgs<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/**
 * Parses argv strictly. An unknown option (with the closest one: "did you mean --target?")
 * or a missing value prints one line and the usage and gives exit code 2; `--help` prints
 * the usage and gives 0.
 */
export function parseCommandArgs<const O extends Options>(
  command: string,
  usage: string,
  argv: string[],
  options: O,
  io: Pick<CommandIo, 'stdout' | 'stderr'>,
): ParsedArgs<O> | number {
  const problem = flagProblem(argv, options);
  if (problem && !problem.help) {
    io.stderr(`flowscope ${command}: ${problem.message}\n\n${usage}`);
    return 2;
  }
  let parsed: ParsedArgs<O>;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options }) as ParsedArgs<O>;
  } catch (err) {
    io.stderr(`flowscope ${command}: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout(usage);
    return 0;
  }
  return parsed;
}

/** A whole number ≥ 1 from an option, undefined when absent, an Error naming the option when not. */
export function positiveIntOption(name: string, text: string | undefined): number | undefined | Error {
  if (text === undefined) return undefined;
  const n = Number(text);
  return /^\d+$/.test(text.trim()) && Number.isSafeInteger(n) && n >= 1 ? n : new Error(`--${name} must be a positive integer, got "${text}"`);
}

/** What is wrong with a --transport, if anything. */
export function transportProblem(value: string | undefined): string | undefined {
  return value !== undefined && value !== 'socketio' && value !== 'ws' ? '--transport must be socketio or ws' : undefined;
}

/** What is wrong with a --target, if anything. */
export function targetProblem(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
  } catch {
    // reported below
  }
  return `--target must be an http(s) URL such as http://127.0.0.1:8000, got "${value}"`;
}
