/**
 * Builds the Store named by `DATABASE_URL` and brings its schema up to date. The only
 * module that imports the adapters.
 *   unset, `sqlite:`                  -> SQLite at `${dataDir}/flowscope.sqlite`
 *   `sqlite:/path`, `sqlite:///path`,
 *   `file:/path`, `file:///path`, `sqlite::memory:` -> SQLite at that path
 *   `postgres://...`, `postgresql://...` -> PostgreSQL
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store, StoreOptions } from './store-types.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export const SQLITE_FILENAME = 'flowscope.sqlite';

export type StoreTarget =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; url: string; schema: string };

/** Which adapter and where, from the options; throws on an unsupported URL. */
export function resolveStoreTarget(options: StoreOptions): StoreTarget {
  const url = options.databaseUrl?.trim();
  if (!url) return { kind: 'sqlite', filename: path.join(options.dataDir, SQLITE_FILENAME) };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    return { kind: 'postgres', url, schema: options.schema ?? 'public' };
  }
  if (scheme === 'sqlite' || scheme === 'file') {
    return { kind: 'sqlite', filename: sqliteFilename(url, scheme, options.dataDir) };
  }
  throw new Error(
    `Unsupported DATABASE_URL scheme "${scheme ?? url.split(':')[0]}:": use postgres://user@host:5432/db, sqlite:/path/to/file.sqlite, or leave it unset for SQLite in DATA_DIR.`,
  );
}

function sqliteFilename(url: string, scheme: string, dataDir: string): string {
  if (scheme === 'file' && url.startsWith('file://')) return fileURLToPath(url);
  let rest = url.slice(scheme.length + 1);
  rest = rest.split('?')[0] ?? '';
  if (rest === ':memory:') return ':memory:';
  if (rest.startsWith('//')) rest = rest.slice(2);
  rest = decodeURIComponent(rest);
  if (rest === '') return path.join(dataDir, SQLITE_FILENAME);
  return path.resolve(rest);
}

/** Creates the Store for `options`, applies its migrations (`init()`) and returns it. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const target = resolveStoreTarget(options);
  const store: Store =
    target.kind === 'sqlite' ? new SqliteStore({ filename: target.filename }) : new PostgresStore({ url: target.url, schema: target.schema });
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
