/**
 * Builds the Store named by `DATABASE_URL` and brings its schema up to date. The only
 * module that imports the adapters: each is one entry of `STORE_ADAPTERS` (its label, the
 * URL schemes it takes, its capabilities, how it opens), as Kysely keeps its dialects, so a
 * new adapter is one new entry.
 *   unset, `sqlite:`                  -> SQLite at `${dataDir}/flowscope.sqlite`
 *   `sqlite:/path`, `sqlite:///path`,
 *   `file:/path`, `file:///path`, `sqlite::memory:` -> SQLite at that path
 *   `postgres://...`, `postgresql://...` -> PostgreSQL
 * With `ephemeral`, the store gets a private namespace of its own, created now and dropped
 * when it closes (PostgreSQL: a schema; SQLite: a file in a folder of its own).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdapterError, adapterNamed } from '../errors/adapter-errors.ts';
import type { Store, StoreCapabilities, StoreOptions } from './store-types.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';

export {
  betterSqliteLoadProblem,
  hasNodeSqlite,
  openSqliteDatabase,
  parseSqliteDriverChoice,
  SQLITE_DRIVER_CHOICES,
  type SqliteDatabase,
  type SqliteDriverChoice,
  type SqliteDriverName,
} from './sqlite/sqlite-driver.ts';

export const SQLITE_FILENAME = 'flowscope.sqlite';

export type StoreTarget = { kind: 'sqlite'; filename: string } | { kind: 'postgres'; url: string; schema: string };

/** Where a store lives, and how to open it there (or, ephemeral, in a private namespace beside it). */
interface StoreLocation {
  readonly target: StoreTarget;
  open(options: { ephemeral: boolean }): Store;
}

interface StoreAdapter {
  /** URL schemes (lower case, without `:`) this adapter takes. */
  readonly schemes: readonly string[];
  readonly capabilities: StoreCapabilities;
  /** Where, from the URL (`undefined`: no DATABASE_URL, the default adapter). */
  locate(url: string | undefined, scheme: string | undefined, options: StoreOptions): StoreLocation;
}

const sqlite: StoreAdapter = {
  schemes: ['sqlite', 'file'],
  capabilities: { crossProcess: false },
  locate(url, scheme, options) {
    const filename = url && scheme ? sqliteFilename(url, scheme, options.dataDir) : path.join(options.dataDir, SQLITE_FILENAME);
    const driver = { driver: options.sqliteDriver, nativeBinding: options.sqliteNativeBinding };
    return {
      target: { kind: 'sqlite', filename },
      open: ({ ephemeral }) =>
        ephemeral
          ? new SqliteStore({
              filename: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-store-')), SQLITE_FILENAME),
              removeDirOnClose: true,
              ...driver,
            })
          : new SqliteStore({ filename, ...driver }),
    };
  },
};

const postgres: StoreAdapter = {
  schemes: ['postgres', 'postgresql'],
  capabilities: { crossProcess: true },
  locate(url = '', _scheme, options) {
    const schema = options.schema ?? 'public';
    return {
      target: { kind: 'postgres', url, schema },
      open: ({ ephemeral }) =>
        ephemeral
          ? new PostgresStore({
              url,
              schema: `flowscope_tmp_${process.pid}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`,
              dropSchemaOnClose: true,
            })
          : new PostgresStore({ url, schema }),
    };
  },
};

/** Every store adapter, by the label `store.kind` and `/health` report. */
const STORE_ADAPTERS: Readonly<Record<string, StoreAdapter>> = { sqlite, postgres };
const DEFAULT_ADAPTER = sqlite;

/** The names of every store adapter. */
export const STORE_ADAPTER_NAMES: readonly string[] = Object.keys(STORE_ADAPTERS);

/** The adapter called `name`: its URL schemes and capabilities; an unknown name is an `UNKNOWN_ADAPTER` AdapterError listing the known ones. */
export function storeAdapter(name: string): { readonly name: string; readonly schemes: readonly string[]; readonly capabilities: StoreCapabilities } {
  const adapter = adapterNamed<StoreAdapter>(STORE_ADAPTERS, 'store', name);
  return { name, schemes: adapter.schemes, capabilities: adapter.capabilities };
}

function locate(options: StoreOptions): StoreLocation {
  const url = options.databaseUrl?.trim() || undefined;
  if (!url) return DEFAULT_ADAPTER.locate(undefined, undefined, options);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const adapter = Object.values(STORE_ADAPTERS).find((a) => scheme !== undefined && a.schemes.includes(scheme));
  if (adapter) return adapter.locate(url, scheme, options);
  throw new AdapterError(
    'UNSUPPORTED_URL',
    `Unsupported DATABASE_URL scheme "${scheme ?? url.split(':')[0]}:": use postgres://user@host:5432/db, sqlite:/path/to/file.sqlite, or leave it unset for SQLite in DATA_DIR.`,
    Object.values(STORE_ADAPTERS).flatMap((a) => a.schemes),
  );
}

/** Which adapter and where, from the options; throws on an unsupported URL. */
export function resolveStoreTarget(options: StoreOptions): StoreTarget {
  return locate(options).target;
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
  const ephemeral = options.ephemeral === true;
  if (ephemeral && options.schema !== undefined) throw new Error('createStore: give either `schema` or `ephemeral`, not both.');
  const store = locate(options).open({ ephemeral });
  try {
    await store.init();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
