/** A CommandIo for tests: no color, no signal handling, and everything written kept. */
import type { CommandIo } from '../command-args.ts';

export type CapturedIo<T extends CommandIo = CommandIo> = T & { out: () => string; err: () => string };

export function captureIo<T extends CommandIo = CommandIo>(cwd: string, extra: Partial<T> = {}): CapturedIo<T> {
  let out = '';
  let err = '';
  return {
    stdout: (t: string) => {
      out += t;
    },
    stderr: (t: string) => {
      err += t;
    },
    color: false,
    env: {},
    cwd,
    out: () => out,
    err: () => err,
    ...extra,
  } as CapturedIo<T>;
}
