/** A tiny external store read with useSyncExternalStore: one state object, shallow patches. */
import { useRef, useSyncExternalStore } from 'react';

export interface ExternalStore<T extends object> {
  get(): T;
  set(patch: Partial<T>): void;
  subscribe(listener: () => void): () => void;
  /** The state in a component, re-rendering on every change. */
  use(): T;
}

export function createExternalStore<T extends object>(initial: T): ExternalStore<T> {
  return createLazyStore(() => initial);
}

/**
 * A store whose first state is computed when it is first read (from localStorage, say), not
 * when its module is loaded: importing a feature touches no browser storage.
 */
export function createLazyStore<T extends object>(init: () => T): ExternalStore<T> {
  let state: T | null = null;
  const listeners = new Set<() => void>();
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  };
  const get = () => (state ??= init());
  return {
    get,
    set(patch) {
      state = { ...get(), ...patch };
      for (const l of [...listeners]) l();
    },
    subscribe,
    use: () => useSyncExternalStore(subscribe, get),
  };
}

function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * A part of a store's state: the component re-renders only when that part changes (shallowly),
 * so a flood of events re-renders the live list and the timeline, not every panel.
 */
export function useStoreSlice<T extends object, S>(store: Pick<ExternalStore<T>, 'get' | 'subscribe'>, select: (state: T) => S): S {
  const last = useRef<{ value: S } | null>(null);
  const get = () => {
    const next = select(store.get());
    if (last.current && shallowEqual(last.current.value, next)) return last.current.value;
    last.current = { value: next };
    return next;
  };
  return useSyncExternalStore(store.subscribe, get);
}
