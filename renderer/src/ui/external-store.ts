/** A tiny external store read with useSyncExternalStore: one state object, shallow patches. */
import { useSyncExternalStore } from 'react';

export interface ExternalStore<T extends object> {
  get(): T;
  set(patch: Partial<T>): void;
  subscribe(listener: () => void): () => void;
  /** The state in a component, re-rendering on every change. */
  use(): T;
}

export function createExternalStore<T extends object>(initial: T): ExternalStore<T> {
  let state = initial;
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  const get = () => state;
  return {
    get,
    set(patch) {
      state = { ...state, ...patch };
      for (const l of [...listeners]) l();
    },
    subscribe,
    use: () => useSyncExternalStore(subscribe, get),
  };
}
