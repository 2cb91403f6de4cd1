/**
 * Keeping secrets out of what the llm agent says: every thought, error and answer leaves the
 * agent through a redactor that replaces the API key (and a password in the base URL) with
 * `[redacted]`, and endpoints are named without their credentials or query string.
 */

export const REDACTED = '[redacted]';

/** `scheme://host[:port]/path` of a URL: no user, password, query or fragment. */
export function describeEndpoint(value: string): string {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return '(an unparsable URL)';
  }
}

export type Redactor = (text: string) => string;

/** Secrets shorter than this are not searched for (a 1-character "key" would shred text). */
const MIN_SECRET_LENGTH = 4;

/** A redactor for the key and for the credentials a base URL may carry. */
export function createRedactor(apiKey: string | undefined, baseURL: string): Redactor {
  const secrets = new Set<string>();
  if (apiKey !== undefined) secrets.add(apiKey);
  try {
    const url = new URL(baseURL);
    if (url.password) {
      secrets.add(url.password);
      secrets.add(decodeURIComponent(url.password));
    }
  } catch {
    // An unparsable URL was refused by the option check already.
  }
  const list = [...secrets].filter((secret) => secret.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  if (list.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of list) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
