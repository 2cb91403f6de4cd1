import { describe, expect, it } from 'vitest';
import { decodeToken, formatExpiry } from './token-info.ts';

const b64url = (s: string) => Buffer.from(s).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (claims: object) => `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify(claims))}.sig`;

describe('decodeToken', () => {
  it('reads subject, expiry and issue time (UTF-8 too)', () => {
    expect(decodeToken(jwt({ sub: 'zoë', exp: 2000, iat: 1000 }))).toEqual({ subject: 'zoë', expiresAt: 2_000_000, issuedAt: 1_000_000 });
  });
  it('is null for what is not a JWT', () => {
    expect(decodeToken('not-a-token')).toBeNull();
    expect(decodeToken('a.!!!.c')).toBeNull();
  });
});

describe('formatExpiry', () => {
  it('counts down, then says how long ago', () => {
    expect(formatExpiry(3_552_000, 0)).toBe('expires in 59m 12s');
    expect(formatExpiry(7_500_000, 0)).toBe('expires in 2h 05m');
    expect(formatExpiry(0, 45_000)).toBe('expired 45s ago');
  });
});
