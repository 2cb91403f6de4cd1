import { describe, expect, it } from 'vitest';
import { connectedCount } from './status-bar.tsx';

describe('connectedCount', () => {
  it('counts the users whose connection is open, of all the users of the target', () => {
    const users = [{ state: 'open' }, { state: 'reconnecting' }, { state: 'open' }, { state: 'idle' }, { state: 'refused' }, { state: 'connecting' }];
    expect(connectedCount(users)).toEqual({ open: 2, total: 6 });
    expect(connectedCount([])).toEqual({ open: 0, total: 0 });
  });
});
