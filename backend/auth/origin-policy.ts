/**
 * Browser origin allow-list. Requests without an Origin header (CLI tools, other
 * servers) are allowed: the token is the credential. Browsers must come from the console's
 * own origin or a configured one.
 */
export function createOriginPolicy(ownOrigins: () => string[], configured: string[]): (origin: string | undefined) => boolean {
  return (origin) => {
    if (!origin) return true;
    if (configured.includes('*') || configured.includes(origin)) return true;
    return ownOrigins().includes(origin);
  };
}
