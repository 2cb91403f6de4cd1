/** What a JWT says about itself (read, not verified: the server verifies): subject, expiry. */
export interface TokenInfo {
  subject: string | null;
  /** Expiry in ms since the epoch, when the token has an `exp`. */
  expiresAt: number | null;
  issuedAt: number | null;
}

function base64UrlDecode(part: string): string {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The token's claims, or null when it is not a JWT. */
export function decodeToken(token: string): TokenInfo | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(parts[1]!)) as { sub?: unknown; exp?: unknown; iat?: unknown };
    if (claims === null || typeof claims !== 'object') return null;
    return {
      subject: typeof claims.sub === 'string' ? claims.sub : null,
      expiresAt: typeof claims.exp === 'number' ? claims.exp * 1000 : null,
      issuedAt: typeof claims.iat === 'number' ? claims.iat * 1000 : null,
    };
  } catch {
    return null;
  }
}

/** `59m 12s`, `1h 02m`, `expired 3m ago`. */
export function formatExpiry(expiresAt: number, now: number): string {
  const ms = expiresAt - now;
  const abs = Math.abs(ms);
  const s = Math.floor(abs / 1000);
  const text =
    s >= 86_400
      ? `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`
      : s >= 3600
        ? `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
        : s >= 60
          ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`
          : `${s}s`;
  return ms > 0 ? `expires in ${text}` : `expired ${text} ago`;
}
