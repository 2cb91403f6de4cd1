import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store-errors.ts';
import { connectFailure, describeTarget, toUnavailable } from './postgres-errors.ts';

const target = describeTarget('postgres://flow:s3cret@db.internal:6543/flowscope');
const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

describe('postgres error mapping', () => {
  it('describes the server without the password', () => {
    expect(target).toEqual({ host: 'db.internal', port: 6543, database: 'flowscope', user: 'flow' });
    expect(describeTarget('postgresql://localhost/test')).toMatchObject({ host: 'localhost', port: 5432, database: 'test' });
  });

  it.each([
    [withCode('ECONNREFUSED'), 'PostgreSQL at db.internal:6543 is unreachable (ECONNREFUSED): start it or fix DATABASE_URL.'],
    [Object.assign(new AggregateError([withCode('ECONNREFUSED')]), { code: undefined }), 'unreachable (ECONNREFUSED)'],
    [withCode('ENOTFOUND'), 'host "db.internal" cannot be resolved (ENOTFOUND)'],
    [withCode('57P01', 'terminating connection due to administrator command'), 'closed the connection (57P01 admin shutdown)'],
    [new Error('Connection terminated unexpectedly'), 'closed the connection (connection terminated)'],
    [new Error('timeout exceeded when trying to connect'), 'did not answer in time (timeout)'],
    [new Error('Connection terminated due to connection timeout'), 'did not answer in time (timeout)'],
    [withCode('3D000'), 'has no database "flowscope" (3D000): create it'],
    [withCode('28P01'), 'refused the credentials of user "flow" (28P01)'],
    [withCode('55000', 'database "flowscope" is not currently accepting connections'), 'does not accept connections to database "flowscope" now (55000)'],
    [withCode('57P03', 'the database system is starting up'), 'closed the connection (57P03 cannot connect now)'],
    [withCode('53300', 'sorry, too many clients already'), 'too many connections (53300)'],
    [withCode('ECONNRESET'), 'is unreachable (ECONNRESET)'],
  ])('maps %s to StoreUnavailableError', (err, expected) => {
    const mapped = toUnavailable(err, target);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect(mapped?.message).toContain(expected);
    expect(mapped?.message).not.toContain('s3cret');
    expect(mapped?.name).toBe('StoreUnavailableError');
  });

  it('a failure to connect is unavailability whatever its SQLSTATE', () => {
    const mapped = connectFailure(withCode('XX000', 'odd startup failure'), target);
    expect(mapped).toBeInstanceOf(StoreUnavailableError);
    expect(mapped.message).toContain('refused the connection (XX000)');
  });

  it('leaves ordinary SQL errors alone', () => {
    expect(toUnavailable(withCode('23505', 'duplicate key'), target)).toBeUndefined();
    expect(toUnavailable(withCode('55000', 'currval of sequence "s" is not yet defined in this session'), target)).toBeUndefined();
    expect(toUnavailable(new TypeError('bug'), target)).toBeUndefined();
  });
});
