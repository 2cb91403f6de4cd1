/**
 * `npm run soak`: the fault runs of issue 11 against real servers on 127.0.0.1, bounded in
 * count and time (test/support/soak/soak-phases.ts). Prints one line of figures per
 * phase and every problem found; exits 1 when a phase found one.
 *
 *   npm run soak -- [--kills 20] [--outages 5] [--disconnects 1000] [--users 4]
 *                   [--only crash,outage,disconnect] [--minutes 15]
 *
 * The outage phase needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)
 * and Redis (TEST_REDIS_URL, default redis://127.0.0.1:6379); it puts TCP proxies of its own
 * in front of them and never touches the servers themselves. Without them it is skipped.
 */
import { parseArgs } from 'node:util';
import { crashLoop, disconnects, outages, type PhaseResult } from '../../test/support/soak/soak-phases.ts';
import { postgresAvailable, redisAvailable } from '../../test/support/test-services.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    outages: { type: 'string', default: '5' },
    disconnects: { type: 'string', default: '1000' },
    users: { type: 'string', default: '4' },
    only: { type: 'string', default: 'crash,outage,disconnect' },
    minutes: { type: 'string', default: '15' },
  },
});
const count = (name: string, raw: string | undefined, max: number): number => {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be an integer from 0 to ${max}`);
    process.exit(2);
  }
  return n;
};
const kills = count('kills', values.kills, 500);
const cycles = count('outages', values.outages, 100);
const disconnectCount = count('disconnects', values.disconnects, 100_000);
const users = Math.max(1, count('users', values.users, 50));
const phaseMs = (count('minutes', values.minutes, 120) * 60_000) / 3;
const only = new Set(String(values.only).split(','));

const results: PhaseResult[] = [];
const report = (r: PhaseResult) => {
  results.push(r);
  const figures = Object.entries(r.figures)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name}: ${figures}`);
  for (const p of r.problems.slice(0, 20)) console.log(`     - ${p}`);
  if (r.problems.length > 20) console.log(`     ... and ${r.problems.length - 20} more`);
};

if (only.has('crash') && kills > 0) report(await crashLoop({ kills, users, deadlineMs: phaseMs }));
if (only.has('outage') && cycles > 0) {
  const [pgUp, redisUp] = [await postgresAvailable(), await redisAvailable()];
  if (pgUp.available && redisUp.available) report(await outages({ cycles, users, deadlineMs: phaseMs }));
  else console.log(`skip outages: ${[pgUp.reason, redisUp.reason].filter(Boolean).join('; ')}`);
}
if (only.has('disconnect') && disconnectCount > 0) report(await disconnects({ count: disconnectCount, users, deadlineMs: phaseMs }));

const failed = results.filter((r) => !r.ok).length;
console.log(`soak: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
