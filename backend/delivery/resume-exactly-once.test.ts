/**
 * Defect 9: resume is exactly-once. 1,000 forced disconnects (sockets destroyed mid-run,
 * no close handshake) by 4 users whose scripted runs keep producing events; after each
 * reconnect the client sends `resume` with the last seq it saw. Every run's events, as the
 * client received them over all its connections, are each seq exactly once, in seq order.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.ts';
import { forcedDisconnectLoop } from '../../test/support/disconnect-loop.ts';

let harness: TestBackend | undefined;
afterAll(async () => {
  await harness?.close();
});

describe('resume after forced disconnects', () => {
  it('delivers every event of every run exactly once, in seq order (1,000 disconnects)', async () => {
    harness = await startTestBackend({ rateLimitMessages: 1_000_000, maxConnectionsPerUser: 50 });
    const result = await forcedDisconnectLoop({
      url: harness.backend.url,
      mintToken: (userId) => harness!.backend.mintToken(userId),
      users: 4,
      disconnects: 1000,
      deadlineMs: 120_000,
    });
    expect(result.disconnects).toBe(1000);
    expect(result.problems).toEqual([]);
    expect(result.runsCompleted).toBeGreaterThan(4);
    expect(result.eventsChecked).toBeGreaterThan(1000);
  }, 180_000);
});
