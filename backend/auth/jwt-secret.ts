/** The JWT secret: JWT_SECRET, else a dev secret generated once and kept in the data dir. */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { checkJwtSecret } from '../config/backend-config.ts';

export function resolveJwtSecret(configured: string | undefined, dataDir: string): string {
  if (configured) {
    checkJwtSecret(configured);
    return configured;
  }
  const file = path.join(dataDir, 'dev-jwt-secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // generate below
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}
