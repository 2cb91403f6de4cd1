import { describe, expect, it } from 'vitest';
import { lastRunIdOfUser, runOwnerOf } from './run-owner.ts';

const ev = (userId: string, runId?: string) => ({ userId, envelope: runId === undefined ? {} : { run_id: runId } });
// oldest first, as the live list keeps them
const events = [ev('alice', 'run_a1'), ev('bob', 'run_b1'), ev('alice', 'run_a2'), ev('alice'), ev('carol', 'run_c1'), ev('bob')];

describe('lastRunIdOfUser', () => {
  it("names the sender's newest run, never another user's", () => {
    expect(lastRunIdOfUser(events, 'alice')).toBe('run_a2');
    expect(lastRunIdOfUser(events, 'bob')).toBe('run_b1');
    expect(lastRunIdOfUser(events, 'dave')).toBeNull();
    expect(lastRunIdOfUser([], 'alice')).toBeNull();
  });
});

describe('runOwnerOf', () => {
  it('finds the user whose events name a run; unknown runs have none', () => {
    expect(runOwnerOf(events, 'run_b1')).toBe('bob');
    expect(runOwnerOf(events, 'run_c1')).toBe('carol');
    expect(runOwnerOf(events, 'run_zz')).toBeNull();
  });
});
