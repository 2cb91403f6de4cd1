/** The building blocks of step schemas, shared by the step files and the scenario schema. */
import { z } from 'zod';

export const userKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'user key: a letter, then up to 31 of [A-Za-z0-9_-]');
export const varName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable name: [A-Za-z_][A-Za-z0-9_]*');
export const timeoutMs = z.number().int().min(1).max(600_000);
export const transport = z.enum(['socketio', 'ws']);

/**
 * A pattern: a value matched against a received value. Objects match as subsets (keys not
 * named are ignored), arrays element by element with the same length, other values by
 * equality. An object whose only keys start with `$` is an operator:
 * `$regex`, `$contains`, `$type`, `$exists`, `$gt`/`$gte`/`$lt`/`$lte`, `$oneOf`, `$any`, `$not`, `$length`.
 */
export const patternSchema: z.ZodType<unknown> = z.unknown();

export const captureSchema = z.record(varName, z.string().min(1)).describe('variable name → dotted path into the matched envelope, e.g. payload.run_id');

/** The user key a step names: the shorthand string, or its `user` / `as`. */
export function stepUserOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as { user?: string; as?: string };
  return v.user ?? v.as;
}
