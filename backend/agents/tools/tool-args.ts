/**
 * Argument readers for tools. A tool receives `Record<string, unknown>` from the agent (or,
 * later, from a model); these readers check one argument each and throw a message that
 * names it, which the context turns into a failed `tool_completed`.
 */

export class ToolArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolArgumentError';
  }
}

function own(args: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(args, key) ? args[key] : undefined;
}

export function requireString(args: Record<string, unknown>, key: string, maxLength: number): string {
  const value = own(args, key);
  if (typeof value !== 'string') throw new ToolArgumentError(`argument '${key}' must be a string`);
  if (value.trim() === '') throw new ToolArgumentError(`argument '${key}' must not be empty`);
  if (value.length > maxLength) throw new ToolArgumentError(`argument '${key}' is longer than ${maxLength} characters`);
  return value;
}

export function optionalString(args: Record<string, unknown>, key: string, maxLength: number): string | undefined {
  return own(args, key) === undefined ? undefined : requireString(args, key, maxLength);
}

export function optionalInteger(args: Record<string, unknown>, key: string, range: { min: number; max: number }): number | undefined {
  const value = own(args, key);
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ToolArgumentError(`argument '${key}' must be an integer from ${range.min} to ${range.max}`);
  }
  return value;
}
