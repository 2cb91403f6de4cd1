/**
 * The connections of this process, by user, each with the sequencer through which its run
 * events go (each seq once per connection, in order across `resume`).
 */
import type { ServerEnvelope } from '../../protocol/index.ts';
import type { ClientConnection } from './client-connection.ts';
import { RunEventSequencer } from './run-event-sequencer.ts';

export class ConnectionRegistry {
  readonly #byUser = new Map<string, Set<ClientConnection>>();
  readonly #sequencers = new WeakMap<ClientConnection, RunEventSequencer>();
  #count = 0;

  /** The connection's sequencer (created on first use). */
  sequencer(connection: ClientConnection): RunEventSequencer {
    let sequencer = this.#sequencers.get(connection);
    if (!sequencer) {
      sequencer = new RunEventSequencer((envelope) => connection.send(envelope));
      this.#sequencers.set(connection, sequencer);
    }
    return sequencer;
  }

  /** A live envelope for the connection: run events through its sequencer. */
  deliver(connection: ClientConnection, envelope: ServerEnvelope): void {
    this.sequencer(connection).deliver(envelope);
  }

  add(connection: ClientConnection): void {
    let set = this.#byUser.get(connection.userId);
    if (!set) this.#byUser.set(connection.userId, (set = new Set()));
    if (!set.has(connection)) {
      set.add(connection);
      this.#count += 1;
    }
  }

  remove(connection: ClientConnection): void {
    const set = this.#byUser.get(connection.userId);
    this.#sequencers.get(connection)?.close();
    this.#sequencers.delete(connection);
    if (set?.delete(connection)) {
      this.#count -= 1;
      if (set.size === 0) this.#byUser.delete(connection.userId);
    }
  }

  forUser(userId: string): ReadonlySet<ClientConnection> {
    return this.#byUser.get(userId) ?? new Set();
  }

  all(): ClientConnection[] {
    return [...this.#byUser.values()].flatMap((set) => [...set]);
  }

  get size(): number {
    return this.#count;
  }
}
