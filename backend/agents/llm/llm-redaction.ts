/**
 * Keeping the API key out of what the llm agent says: every thought, error and answer leaves
 * the agent through a redactor that replaces the key with `[redacted]` (an endpoint may echo
 * it in an error), and endpoints are named without credentials or query string.
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

/** A redactor for the key (the identity when there is none). */
export function createRedactor(apiKey: string | undefined): Redactor {
  if (apiKey === undefined || apiKey.length < MIN_SECRET_LENGTH) return (text) => text;
  return (text) => (text.includes(apiKey) ? text.split(apiKey).join(REDACTED) : text);
}
