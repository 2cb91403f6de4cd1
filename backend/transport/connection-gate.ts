/**
 * Caps on what unauthenticated and authenticated clients may hold open in one process
 * (issue 11): connections in total and per client address, and handshakes in progress in
 * total and per address. A handshake is a /ws upgrade not yet admitted, or an Engine.IO
 * session whose Socket.IO connect has not been admitted; it counts as a connection too.
 * The address is the TCP peer (no forwarding header is trusted).
 */
import type { ConnectionLimits } from '../config/backend-config.ts';

export type GateRefusal = { ok: false; scope: 'total' | 'address'; message: string };

export interface GateTicket {
  /** The handshake completed: the connection stops counting as a handshake. */
  admitted(): void;
  readonly isAdmitted: boolean;
  /** The connection (or handshake) ended. Idempotent. */
  release(): void;
}

interface AddressCount {
  total: number;
  handshaking: number;
}

type GateLimits = Pick<ConnectionLimits, 'maxConnections' | 'maxConnectionsPerAddress' | 'maxHandshakes' | 'maxHandshakesPerAddress'>;

export class ConnectionGate {
  #total = 0;
  #handshaking = 0;
  readonly #byAddress = new Map<string, AddressCount>();

  constructor(private readonly limits: GateLimits) {}

  get total(): number {
    return this.#total;
  }

  get handshaking(): number {
    return this.#handshaking;
  }

  /** Takes a place for a new handshake from `address`, or says which cap it would break. */
  begin(address: string | undefined): { ok: true; ticket: GateTicket } | GateRefusal {
    const key = address ?? 'unknown';
    const count = this.#byAddress.get(key) ?? { total: 0, handshaking: 0 };
    const { maxConnections, maxConnectionsPerAddress, maxHandshakes, maxHandshakesPerAddress } = this.limits;
    if (this.#total >= maxConnections) return { ok: false, scope: 'total', message: `The server has ${maxConnections} connections open; try again later.` };
    if (this.#handshaking >= maxHandshakes)
      return { ok: false, scope: 'total', message: `The server has ${maxHandshakes} handshakes in progress; try again later.` };
    if (count.total >= maxConnectionsPerAddress)
      return { ok: false, scope: 'address', message: `This address has ${maxConnectionsPerAddress} connections open.` };
    if (count.handshaking >= maxHandshakesPerAddress)
      return { ok: false, scope: 'address', message: `This address has ${maxHandshakesPerAddress} handshakes in progress.` };
    count.total += 1;
    count.handshaking += 1;
    this.#byAddress.set(key, count);
    this.#total += 1;
    this.#handshaking += 1;
    let admitted = false;
    let released = false;
    const endHandshake = () => {
      count.handshaking -= 1;
      this.#handshaking -= 1;
    };
    const endConnection = () => {
      count.total -= 1;
      this.#total -= 1;
      if (count.total === 0) this.#byAddress.delete(key);
    };
    return {
      ok: true,
      ticket: {
        get isAdmitted() {
          return admitted;
        },
        admitted() {
          if (admitted || released) return;
          admitted = true;
          endHandshake();
        },
        release() {
          if (released) return;
          released = true;
          if (!admitted) endHandshake();
          endConnection();
        },
      },
    };
  }
}
