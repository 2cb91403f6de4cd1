/**
 * JWT verification and (dev) issuing with jose: HS256 pinned, `sub` and `exp` required,
 * 30 s clock skew (protocol.md §2). The user id always comes from the token.
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { ErrorCode, USER_ID_PATTERN } from '../../protocol/index.ts';

/** `expiresAtMs`: when an open connection authenticated by this token is closed (`exp` plus the clock tolerance). */
export type VerifyResult = { ok: true; userId: string; expiresAtMs: number } | { ok: false; code: ErrorCode; message: string };

/** Clock skew accepted on `exp` (protocol.md §2). */
export const CLOCK_TOLERANCE_S = 30;

export class TokenService {
  readonly #key: Uint8Array;
  constructor(secret: string) {
    this.#key = new TextEncoder().encode(secret);
  }

  async verify(token: string | undefined | null): Promise<VerifyResult> {
    if (!token) return { ok: false, code: ErrorCode.AUTH_REQUIRED, message: 'A token is required.' };
    try {
      const { payload } = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['sub', 'exp'],
      });
      const sub = payload.sub;
      if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) {
        return { ok: false, code: ErrorCode.AUTH_INVALID, message: 'The token subject is not a valid user id.' };
      }
      return { ok: true, userId: sub, expiresAtMs: ((payload.exp ?? 0) + CLOCK_TOLERANCE_S) * 1000 };
    } catch (err) {
      if (err instanceof errors.JWTExpired) return { ok: false, code: ErrorCode.AUTH_EXPIRED, message: 'The token has expired.' };
      const reason = err instanceof errors.JOSEError ? err.code : 'malformed';
      return { ok: false, code: ErrorCode.AUTH_INVALID, message: `The token is invalid (${reason}).` };
    }
  }

  async issue(userId: string, ttlS: number): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(now + ttlS)
      .sign(this.#key);
    return { token, expiresAt: new Date((now + ttlS) * 1000) };
  }
}
