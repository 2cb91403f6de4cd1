import { describe, expect, it } from 'vitest';
import { createExternalStore } from './external-store.ts';

describe('external store', () => {
  it('patches shallowly and notifies until unsubscribed', () => {
    const store = createExternalStore({ a: 1, b: 'x' });
    let calls = 0;
    const off = store.subscribe(() => calls++);
    store.set({ a: 2 });
    expect(store.get()).toEqual({ a: 2, b: 'x' });
    off();
    store.set({ b: 'y' });
    expect(calls).toBe(1);
    expect(store.get()).toEqual({ a: 2, b: 'y' });
  });
});
