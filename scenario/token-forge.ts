/**
 * The tokens a scenario's `connect` step can present: a valid one (given or minted by the
 * dev endpoint), and the bad ones that test every auth failure.
 */
import { SignJWT } from 'jose';

/** What token a connection presents. */
export const TOKEN_KINDS = ['valid', 'expired', 'bad_signature', 'alg_none', 'malformed', 'none'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

export interface TokenSource {
  /** Mints a token through the dev endpoint (`ttlS` < 0 gives an expired one). */
  mint(userId: string, ttlS: number): Promise<string>;
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A token of the given kind for the user; `valid` is `validToken` itself. */
export async function forgeToken(kind: TokenKind, userId: string, validToken: () => Promise<string>, source: TokenSource): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  switch (kind) {
    case 'valid':
      return validToken();
    case 'expired':
      return source.mint(userId, -3600);
    case 'bad_signature': {
      const key = crypto.getRandomValues(new Uint8Array(32));
      return new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(key);
    }
    case 'alg_none':
      return `${base64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url(JSON.stringify({ sub: userId, iat: now, exp: now + 600 }))}.`;
    case 'malformed':
      return 'not-a-jwt';
    case 'none':
      return '';
  }
}

/** The `sub` of a JWT, read without verifying it (to name the users of an imported session). */
export function peekSubject(token: string): string | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const bin = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as { sub?: unknown };
    return typeof claims.sub === 'string' ? claims.sub : undefined;
  } catch {
    return undefined;
  }
}
