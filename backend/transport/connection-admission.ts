/**
 * Admits an authenticated connection: verifies the token, then takes a per-user connection
 * slot in the cache (shared by all processes). Used by both transports.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, type ServerEnvelope } from '../../protocol/index.ts';
import type { TokenService } from '../auth/token-service.ts';
import type { Cache } from '../cache/cache-types.ts';
import type { ClientConnection } from '../delivery/client-connection.ts';
import type { ConnectionRegistry } from '../delivery/connection-registry.ts';
import type { ConnectionGate } from './connection-gate.ts';
import type { ConnectionLimits } from '../config/backend-config.ts';
import type { InboundPipeline } from '../reception/inbound-pipeline.ts';
import { clientSafeMessage, errorEnvelope } from '../routing/error-envelope.ts';
import type { Logger } from '../logging/logger.ts';

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
  /** Caps on connections and handshakes (total and per address). */
  gate: ConnectionGate;
  limits: Pick<ConnectionLimits, 'handshakeTimeoutMs' | 'maxOutboundBufferBytes'> & Partial<Pick<ConnectionLimits, 'pingIntervalMs'>>;
  originAllowed(origin: string | undefined): boolean;
  onClose(connection: ClientConnection): void;
  /** One line per connection opened, refused and closed (user, transport, address). */
  log?: Logger | undefined;
}

/** The log line of a connection opened or closed. */
export function logConnection(
  deps: Pick<TransportDeps, 'log'>,
  event: 'opened' | 'closed',
  connection: ClientConnection,
  address: string | undefined,
  extra: Record<string, string | number | undefined> = {},
): void {
  deps.log?.('info', `connection ${event}`, undefined, {
    user: connection.userId,
    transport: connection.transport,
    address,
    connection: connection.id,
    ...extra,
  });
}

/** The warning of a connection the server dropped (SLOW_CONSUMER, RATE_LIMITED...): `code` says why. */
export function logDroppedConnection(
  deps: Pick<TransportDeps, 'log'>,
  connection: ClientConnection,
  address: string | undefined,
  code: string,
  extra: Record<string, string | number | undefined> = {},
): void {
  deps.log?.('warn', `connection dropped: ${code}`, undefined, {
    user: connection.userId,
    transport: connection.transport,
    address,
    connection: connection.id,
    code,
    ...extra,
  });
}

/** The log line of a connection refused at admission (bad token, too many connections...). */
export function logRefusedConnection(
  deps: Pick<TransportDeps, 'log'>,
  transport: ClientConnection['transport'],
  address: string | undefined,
  code: string,
): void {
  deps.log?.('info', 'connection refused', undefined, { transport, address, code });
}

/** setTimeout for any delay (a token may live 30 days, past setTimeout's 24.8-day maximum). */
export function scheduleAt(atMs: number, fn: () => void): { cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const delay = atMs - Date.now();
    if (delay <= 0) {
      timer = setTimeout(fn, 0);
      return;
    }
    timer = setTimeout(delay > 2 ** 31 - 1 ? arm : fn, Math.min(delay, 2 ** 31 - 1));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}

export const AUTH_EXPIRED_MESSAGE = 'The token has expired; reconnect with a new token.';

/** What a connection whose inbound backlog passed its cap is told before it is closed (both transports). */
export function backlogFullEnvelope(): ServerEnvelope {
  return errorEnvelope(ErrorCode.RATE_LIMITED, 'Too many messages waiting on this connection; it is closed. Wait for replies before sending more.', null, {
    reason: 'backlog',
  });
}

export const CONNECTION_TTL_MS = 60_000;

export type Admission = { ok: true; userId: string; connectionId: string; expiresAtMs: number } | { ok: false; code: ErrorCode; message: string };

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
    return { ok: false, code: ErrorCode.UNAVAILABLE, message: clientSafeMessage(err instanceof Error ? err.message : 'cache unavailable') };
  }
  // Subscribed before the client hears it is connected, so it misses no event published elsewhere.
  try {
    await deps.subscribeUser?.(verified.userId);
  } catch (err) {
    await deps.cache.removeConnection(verified.userId, connectionId).catch(() => undefined);
    return { ok: false, code: ErrorCode.UNAVAILABLE, message: clientSafeMessage(err instanceof Error ? err.message : 'cache unavailable') };
  }
  return { ok: true, userId: verified.userId, connectionId, expiresAtMs: verified.expiresAtMs };
}
