/** The connections of this process, by user. */
import type { ClientConnection } from './client-connection.ts';

export class ConnectionRegistry {
  readonly #byUser = new Map<string, Set<ClientConnection>>();
  #count = 0;

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
