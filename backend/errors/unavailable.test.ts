import { describe, expect, it } from 'vitest';
import { CacheUnavailableError } from '../cache/cache-errors.ts';
import { StoreClosedError, StoreConflictError, StoreUnavailableError } from '../store/store-errors.ts';
import { isUnavailable, isUnavailableOrClosed } from './unavailable.ts';

describe('isUnavailable / isUnavailableOrClosed', () => {
  const down = [
    new StoreUnavailableError('postgres', 'PostgreSQL is down'),
    new StoreUnavailableError('sqlite', 'locked'),
    new CacheUnavailableError('Redis is down'),
  ];
  const closed = new StoreClosedError('sqlite');
  const other = [
    new StoreConflictError('seq taken'),
    new Error('bug'),
    Object.assign(new Error('named only'), { name: 'FakeUnavailableError' }),
    'text',
    undefined,
  ];

  it('a store or cache that is down is unavailable, and so answered UNAVAILABLE', () => {
    for (const err of down) expect([isUnavailable(err), isUnavailableOrClosed(err)]).toEqual([true, true]);
  });
  it('a closed store is answered UNAVAILABLE but is not worth retrying', () => {
    expect([isUnavailable(closed), isUnavailableOrClosed(closed)]).toEqual([false, true]);
  });
  it('anything else is neither (a class name alone does not count)', () => {
    for (const err of other) expect([isUnavailable(err), isUnavailableOrClosed(err)]).toEqual([false, false]);
  });
});
