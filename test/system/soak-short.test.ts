/**
 * The short form of `npm run soak` that `npm test` runs: 2 SIGKILLs of a real serve under
 * load, one PostgreSQL and one Redis outage under load (through our own TCP proxies), 100
 * forced disconnects with resume. The long form's figures are in the issue 11 notes.
 */
import { describe, expect, it } from 'vitest';
import { postgresAvailable, redisAvailable } from '../support/test-services.ts';
import { crashLoop, disconnects, outages } from '../support/soak/soak-phases.ts';

const pgUp = await postgresAvailable();
const redisUp = await redisAvailable();

describe('soak, short form', () => {
  it('crash loop: 2 SIGKILLs under load lose nothing accepted and leave no run running', async () => {
    const result = await crashLoop({ kills: 2, users: 3, deadlineMs: 40_000 });
    expect(result.problems).toEqual([]);
    expect(result.figures.kills).toBe(2);
    expect(Number(result.figures.accepted)).toBeGreaterThan(0);
    expect(result.figures.integrity_check).toBe('ok');
  }, 90_000);

  it.skipIf(!pgUp.available || !redisUp.available)(
    'store and cache outages under load: every run ends, clients recover',
    async () => {
      const result = await outages({ cycles: 1, users: 3, deadlineMs: 20_000, outageMs: [600, 1000] });
      expect(result.problems).toEqual([]);
      expect(result.figures.cuts).toBe(2);
      expect(Number(result.figures.accepted)).toBeGreaterThan(0);
    },
    90_000,
  );

  it('forced disconnects with resume: every event once, in order', async () => {
    const result = await disconnects({ count: 100, users: 4, deadlineMs: 40_000 });
    expect(result.problems).toEqual([]);
    expect(result.figures.disconnects).toBe(100);
  }, 90_000);
});
