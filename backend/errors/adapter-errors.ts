/**
 * The error of an adapter factory (store-factory.ts, cache-factory.ts) asked for an adapter
 * it does not have: by name (`UNKNOWN_ADAPTER`) or by URL scheme (`UNSUPPORTED_URL`). The
 * message lists what is known; it never echoes a URL (it may hold a password).
 */
export type AdapterErrorCode = 'UNKNOWN_ADAPTER' | 'UNSUPPORTED_URL';

export class AdapterError extends Error {
  override readonly name = 'AdapterError';
  constructor(
    readonly code: AdapterErrorCode,
    message: string,
    /** What the registry knows: adapter names, or URL schemes. */
    readonly known: readonly string[],
  ) {
    super(message);
  }
}

/** Looks up `name` in a registry of adapters; an unknown name is an `UNKNOWN_ADAPTER` error listing the known ones. */
export function adapterNamed<A>(registry: Readonly<Record<string, A>>, what: string, name: string): A {
  const known = Object.keys(registry);
  if (Object.hasOwn(registry, name)) return registry[name]!;
  throw new AdapterError('UNKNOWN_ADAPTER', `Unknown ${what} adapter "${name}": known adapters are ${known.join(', ')}.`, known);
}
