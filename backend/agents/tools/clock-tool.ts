/**
 * The `clock` tool: `{ timezone? }` (IANA name, default UTC) → `{ iso, unix_ms, timezone,
 * formatted }`. `now` is injectable so tests (and replays) can fix the time.
 */
import type { Tool } from '../agent-types.ts';
import { optionalString } from './tool-args.ts';

export const CLOCK_TOOL_NAME = 'clock';
export const DEFAULT_TIMEZONE = 'UTC';

export interface ClockResult {
  /** The instant in UTC, ISO-8601. */
  iso: string;
  unix_ms: number;
  /**
   * The zone as asked for, in Intl's spelling when it only differs in case
   * ("europe/paris" → "Europe/Paris"); aliases are kept ("Asia/Kolkata" stays, though
   * ICU resolves it to "Asia/Calcutta").
   */
  timezone: string;
  /** Local wall time in that zone, e.g. "Monday, 2026-01-05 15:04:05 Europe/Paris (GMT+1)". */
  formatted: string;
}

export interface ClockToolOptions {
  now?: () => Date;
}

export class UnknownTimezoneError extends Error {
  constructor(timezone: string) {
    super(`unknown timezone '${timezone}' (use an IANA name such as 'Europe/Paris' or 'UTC')`);
    this.name = 'UnknownTimezoneError';
  }
}

function formatterFor(timezone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      weekday: 'long',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'shortOffset',
    });
  } catch {
    throw new UnknownTimezoneError(timezone);
  }
}

/** Formats `date` as wall time in `timezone`; throws UnknownTimezoneError for a bad zone. */
export function describeInstant(date: Date, timezone: string): ClockResult {
  if (Number.isNaN(date.getTime())) throw new Error('the clock returned an invalid date');
  const formatter = formatterFor(timezone);
  const intlName = formatter.resolvedOptions().timeZone;
  const resolved = intlName.toLowerCase() === timezone.toLowerCase() ? intlName : timezone;
  const parts = new Map(formatter.formatToParts(date).map((part) => [part.type, part.value]));
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.get(type) ?? '';
  const offset = part('timeZoneName');
  const wall = `${part('weekday')}, ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')}`;
  // ICU spells UTC's offset "GMT" or "GMT+0" depending on its version; UTC needs none.
  const suffix = offset === '' || intlName === 'UTC' ? '' : ` (${offset})`;
  return {
    iso: date.toISOString(),
    unix_ms: date.getTime(),
    timezone: resolved,
    formatted: `${wall} ${resolved}${suffix}`,
  };
}

export function createClockTool(options: ClockToolOptions = {}): Tool {
  const now = options.now ?? (() => new Date());
  return {
    name: CLOCK_TOOL_NAME,
    description: 'Tells the current date and time, in UTC or in the given IANA timezone.',
    parameters: {
      type: 'object',
      properties: {
        timezone: { type: 'string', maxLength: 64, description: 'An IANA timezone such as "Europe/Paris" (default UTC).' },
      },
      additionalProperties: false,
    },
    execute(args): Promise<ClockResult> {
      return Promise.resolve().then(() => {
        const timezone = optionalString(args, 'timezone', 64)?.trim() ?? DEFAULT_TIMEZONE;
        return describeInstant(now(), timezone);
      });
    },
  };
}
