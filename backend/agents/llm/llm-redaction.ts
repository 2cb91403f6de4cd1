/**
 * Keeping the API key out of what the llm agent says: every thought, error and answer leaves
 * the agent through a redactor that replaces the key, or any run of 12 or more of its
 * characters, with `[redacted]` (an endpoint may echo it, whole or cut short: the rule is in
 * ../secret-redaction.ts), and endpoints are named without credentials or query string.
 */
import { createSecretRedactor, REDACTED, type SecretRedactor } from '../secret-redaction.ts';

export { REDACTED };

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

/** The redactor of the key (it does nothing when there is none). */
export function createKeyRedactor(apiKey: string | undefined): SecretRedactor {
  return createSecretRedactor([apiKey]);
}

/** A redactor for the key's text (the identity when there is none). */
export function createRedactor(apiKey: string | undefined): Redactor {
  return createKeyRedactor(apiKey).text;
}
