import { describe, expect, it } from 'vitest';
import { createClockTool, describeInstant } from './clock-tool.ts';

const signal = new AbortController().signal;
const FIXED = new Date('2026-01-05T14:03:07.250Z');
const clock = createClockTool({ now: () => FIXED });

describe('clock tool', () => {
  it('is named clock', () => {
    expect(clock.name).toBe('clock');
  });

  it('defaults to UTC', async () => {
    await expect(clock.execute({}, signal)).resolves.toEqual({
      iso: '2026-01-05T14:03:07.250Z',
      unix_ms: FIXED.getTime(),
      timezone: 'UTC',
      formatted: 'Monday, 2026-01-05 14:03:07 UTC',
    });
  });

  it('formats wall time in an IANA timezone, with its offset', async () => {
    await expect(clock.execute({ timezone: 'Europe/Paris' }, signal)).resolves.toEqual({
      iso: '2026-01-05T14:03:07.250Z',
      unix_ms: FIXED.getTime(),
      timezone: 'Europe/Paris',
      formatted: 'Monday, 2026-01-05 15:03:07 Europe/Paris (GMT+1)',
    });
    const tokyo = (await clock.execute({ timezone: 'Asia/Tokyo' }, signal)) as { formatted: string };
    expect(tokyo.formatted).toBe('Monday, 2026-01-05 23:03:07 Asia/Tokyo (GMT+9)');
  });

  it('crosses the date line correctly', () => {
    expect(describeInstant(new Date('2026-01-05T02:00:00Z'), 'America/Los_Angeles').formatted).toBe('Sunday, 2026-01-04 18:00:00 America/Los_Angeles (GMT-8)');
  });

  it("normalises the zone's case but keeps aliases as asked", async () => {
    const paris = (await clock.execute({ timezone: 'europe/paris' }, signal)) as { timezone: string };
    expect(paris.timezone).toBe('Europe/Paris');
    const kolkata = (await clock.execute({ timezone: 'Asia/Kolkata' }, signal)) as { timezone: string; formatted: string };
    expect(kolkata.timezone).toBe('Asia/Kolkata');
    expect(kolkata.formatted).toBe('Monday, 2026-01-05 19:33:07 Asia/Kolkata (GMT+5:30)');
  });

  it('rejects an unknown timezone', async () => {
    await expect(clock.execute({ timezone: 'Mars/Olympus_Mons' }, signal)).rejects.toThrow("unknown timezone 'Mars/Olympus_Mons'");
    await expect(clock.execute({ timezone: 'not a zone' }, signal)).rejects.toThrow(/unknown timezone/);
  });

  it('rejects a non-string timezone', async () => {
    await expect(clock.execute({ timezone: 5 }, signal)).rejects.toThrow("argument 'timezone' must be a string");
  });

  it('uses the real time by default', async () => {
    const before = Date.now();
    const result = (await createClockTool().execute({}, signal)) as { unix_ms: number };
    expect(result.unix_ms).toBeGreaterThanOrEqual(before);
    expect(result.unix_ms).toBeLessThanOrEqual(Date.now());
  });

  it('refuses an invalid date from now()', async () => {
    await expect(createClockTool({ now: () => new Date(Number.NaN) }).execute({}, signal)).rejects.toThrow('invalid date');
  });
});
