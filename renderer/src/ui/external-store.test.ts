import { describe, expect, it } from 'vitest';
import { createExternalStore, createLazyStore } from './external-store.ts';

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

describe('lazy store', () => {
  it('computes its first state when first read, once', () => {
    let inits = 0;
    const store = createLazyStore(() => ({ n: ++inits }));
    expect(inits).toBe(0);
    expect(store.get()).toEqual({ n: 1 });
    store.set({ n: 5 });
    expect(store.get()).toEqual({ n: 5 });
    expect(inits).toBe(1);
  });

  it('a patch before the first read applies on top of the first state', () => {
    const store = createLazyStore(() => ({ a: 1, b: 'x' }));
    store.set({ b: 'y' });
    expect(store.get()).toEqual({ a: 1, b: 'y' });
  });
});
