/**
 * Admits an authenticated connection: verifies the token, then takes a per-user connection
 * slot in the cache (shared by all processes). Used by both transports.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/index.ts';
import type { TokenService } from '../auth/token-service.ts';
import type { Cache } from '../cache/cache-types.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import type { ConnectionRegistry } from '../delivery/connection-registry.ts';
import type { InboundPipeline } from '../reception/inbound-pipeline.ts';

/** What each transport needs: admission, the connection registry and the pipeline. */
export interface TransportDeps {
  tokens: TokenService;
  cache: Cache;
  registry: ConnectionRegistry;
  pipeline: InboundPipeline;
  maxConnectionsPerUser: number;
  /** Resolves once this process receives the user's bus messages (per-user fan-out). */
  subscribeUser?(userId: string): Promise<void>;
  /** Lease key whose holder the connection slots belong to (this process's liveness lease). */
  slotHolder?: string;
  originAllowed(origin: string | undefined): boolean;
  onClose(connection: ClientConnection): void;
}

export const CONNECTION_TTL_MS = 60_000;

export type Admission =
  | { ok: true; userId: string; connectionId: string }
  | { ok: false; code: ErrorCode; message: string };

export async function admitConnection(
  deps: { tokens: TokenService; cache: Cache; maxConnectionsPerUser: number; subscribeUser?(userId: string): Promise<void>; slotHolder?: string },
  token: string | undefined,
): Promise<Admission> {
  const verified = await deps.tokens.verify(token);
  if (!verified.ok) return verified;
  const connectionId = randomUUID();
  try {
    const slot = await deps.cache.tryAddConnection(verified.userId, connectionId, deps.maxConnectionsPerUser, CONNECTION_TTL_MS, deps.slotHolder);
    if (!slot.ok) {
      return { ok: false, code: ErrorCode.TOO_MANY_CONNECTIONS, message: `User ${verified.userId} already has ${deps.maxConnectionsPerUser} connections.` };
    }
  } catch (err) {
    return { ok: false, code: ErrorCode.UNAVAILABLE, message: err instanceof Error ? err.message : 'cache unavailable' };
  }
  // Subscribed before the client hears it is connected, so it misses no event published elsewhere.
  try {
    await deps.subscribeUser?.(verified.userId);
  } catch (err) {
    await deps.cache.removeConnection(verified.userId, connectionId).catch(() => undefined);
    return { ok: false, code: ErrorCode.UNAVAILABLE, message: err instanceof Error ? err.message : 'cache unavailable' };
  }
  return { ok: true, userId: verified.userId, connectionId };
}
