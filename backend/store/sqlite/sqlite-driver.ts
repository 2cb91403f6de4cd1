/**
 * The one place that opens SQLite databases. Two drivers behind one small interface (the
 * part of better-sqlite3's API the store uses):
 *
 * - `better-sqlite3`: the native addon `npm ci` builds for the Node that ran it. Fastest, but
 *   one binary per runtime ABI: a checkout installed under Node 20 cannot load it under Node
 *   24 or inside Electron 41 (NODE_MODULE_VERSION 115 against 137 / 145).
 * - `node`: Node's built-in `node:sqlite` (Node >= 22.13, and the Node inside Electron 41). No
 *   native addon, so nothing to build for the runtime that loads it. The desktop app uses it.
 *
 * `auto` (the default) takes better-sqlite3 when its binary loads in this runtime, else
 * `node:sqlite` (saying why, once), else fails with one line saying how to get a driver.
 * `SQLITE_NATIVE_BINDING` points better-sqlite3 at a `better_sqlite3.node` built elsewhere
 * for this runtime (better-sqlite3's own `nativeBinding` option). `SQLITE_DRIVER` and
 * `SQLITE_NATIVE_BINDING` in the environment are the defaults of every open.
 */
import { createRequire } from 'node:module';
import { ioCounters } from '../../metrics/io-counters.ts';

const require = createRequire(import.meta.url);

export const SQLITE_DRIVER_CHOICES = ['auto', 'better-sqlite3', 'node'] as const;
export type SqliteDriverChoice = (typeof SQLITE_DRIVER_CHOICES)[number];
export type SqliteDriverName = Exclude<SqliteDriverChoice, 'auto'>;

export interface SqliteRunResult {
  changes: number | bigint;
  lastInsertRowid: number | bigint;
}

/** A prepared statement; `P` is a tuple of positional parameters or one object of named ones. */
export interface SqliteStatement<P extends unknown[] | object = unknown[], R = unknown> {
  run(...params: P extends unknown[] ? P : [P]): SqliteRunResult;
  get(...params: P extends unknown[] ? P : [P]): R | undefined;
  all(...params: P extends unknown[] ? P : [P]): R[];
}

export interface SqliteDatabase {
  readonly driver: SqliteDriverName;
  /** Whether a transaction is open on this connection. */
  readonly inTransaction: boolean;
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  exec(sql: string): void;
  close(): void;
}

export interface OpenSqliteOptions {
  driver?: SqliteDriverChoice | undefined;
  /** Open an existing file read-only (tools and tests that inspect a database another process writes). */
  readOnly?: boolean | undefined;
  /** A `better_sqlite3.node` built for this runtime (SQLITE_NATIVE_BINDING). */
  nativeBinding?: string | undefined;
  /** Told once per process when `auto` falls back to node:sqlite. */
  notice?: ((line: string) => void) | undefined;
}

/** No driver can open SQLite in this runtime; the message says how to get one. */
export class SqliteDriverError extends Error {
  readonly code = 'SQLITE_DRIVER_UNAVAILABLE';
  override readonly name = 'SqliteDriverError';
  /** The problem alone, without the advice. */
  readonly problem: string;
  constructor(message: string, options: { cause?: unknown; problem?: string } = {}) {
    super(message, { cause: options.cause });
    this.problem = options.problem ?? message;
  }
}

/** Runs `fn` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws. */
export function immediateTransaction<T>(db: SqliteDatabase, fn: () => T): T {
  ioCounters.storeTransactions++;
  db.exec('BEGIN IMMEDIATE');
  let result: T;
  try {
    result = fn();
  } catch (err) {
    rollbackQuietly(db);
    throw err;
  }
  try {
    db.exec('COMMIT');
  } catch (err) {
    // COMMIT can fail (SQLITE_BUSY, I/O, or SQLite already rolled back): leave no transaction open.
    rollbackQuietly(db);
    throw err;
  }
  return result;
}

function rollbackQuietly(db: SqliteDatabase): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // no transaction was open (SQLite rolled it back itself)
  }
}

/** `SQLITE_DRIVER` / `--sqlite-driver`: one of the choices, else one line listing them. */
export function parseSqliteDriverChoice(value: string | undefined, name = 'SQLITE_DRIVER'): SqliteDriverChoice | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  const choice = v === 'node:sqlite' ? 'node' : v;
  if ((SQLITE_DRIVER_CHOICES as readonly string[]).includes(choice)) return choice as SqliteDriverChoice;
  throw new Error(`${name} must be one of ${SQLITE_DRIVER_CHOICES.join(', ')}; got "${value}"`);
}

// ---- better-sqlite3 ----

type BetterSqliteCtor = new (filename: string, options?: { nativeBinding?: string; readonly?: boolean; fileMustExist?: boolean }) => SqliteDatabaseLike;
interface SqliteDatabaseLike {
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement<never, unknown>;
  exec(sql: string): unknown;
  close(): unknown;
}

/** Why better-sqlite3's native part did not load (one line), or null for any other error. */
function loadFailure(err: unknown): string | null {
  const message = err instanceof Error ? err.message : String(err);
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) return `better-sqlite3 was built for NODE_MODULE_VERSION ${abi[1]}, this runtime needs ${abi[2]}`;
  if (/Cannot find module 'better-sqlite3'/.test(message)) return 'better-sqlite3 is not installed';
  if (
    /Could not locate the bindings file|ERR_DLOPEN_FAILED|invalid ELF header|wrong ELF class|undefined symbol/.test(message) ||
    (err as { code?: string }).code === 'ERR_DLOPEN_FAILED'
  ) {
    return `better-sqlite3's native build does not load: ${message.split('\n')[0]}`;
  }
  return null;
}

function openBetterSqlite(filename: string, nativeBinding: string | undefined, readOnly = false): SqliteDatabase {
  let db: SqliteDatabaseLike;
  try {
    const Database = require('better-sqlite3') as BetterSqliteCtor;
    db = new Database(filename, { ...(nativeBinding ? { nativeBinding } : {}), ...(readOnly ? { readonly: true, fileMustExist: true } : {}) });
  } catch (err) {
    const problem = loadFailure(err);
    if (problem === null) throw err;
    throw new SqliteDriverError(
      `${problem}: run \`npm rebuild better-sqlite3\` with this Node, set SQLITE_NATIVE_BINDING to a build for it, or use SQLITE_DRIVER=node (Node >= 22.13).`,
      { cause: err, problem },
    );
  }
  return {
    driver: 'better-sqlite3',
    get inTransaction() {
      return db.inTransaction;
    },
    prepare: <P extends unknown[] | object, R>(sql: string) => db.prepare(sql) as unknown as SqliteStatement<P, R>,
    exec: (sql) => {
      db.exec(sql);
    },
    close: () => {
      db.close();
    },
  };
}

/** The entry file of the better-sqlite3 this module loads (for a worker that must open the same build), or undefined. */
export function betterSqliteEntry(): string | undefined {
  try {
    return require.resolve('better-sqlite3');
  } catch {
    return undefined;
  }
}

// ---- node:sqlite ----

interface NodeSqliteError extends Error {
  code?: string;
  errcode?: number;
  errstr?: string;
}
interface NodeStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}
interface NodeSqliteModule {
  DatabaseSync: new (
    filename: string,
    options?: { open?: boolean; readOnly?: boolean },
  ) => {
    /** Node >= 22.16 / 24.0. */
    readonly isTransaction?: boolean;
    prepare(sql: string): NodeStatement;
    exec(sql: string): void;
    close(): void;
  };
}

/** SQLite's primary result codes by number, and the extended ones the store tells apart. */
const PRIMARY_CODES: Record<number, string> = {
  1: 'SQLITE_ERROR',
  2: 'SQLITE_INTERNAL',
  3: 'SQLITE_PERM',
  4: 'SQLITE_ABORT',
  5: 'SQLITE_BUSY',
  6: 'SQLITE_LOCKED',
  7: 'SQLITE_NOMEM',
  8: 'SQLITE_READONLY',
  9: 'SQLITE_INTERRUPT',
  10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT',
  12: 'SQLITE_NOTFOUND',
  13: 'SQLITE_FULL',
  14: 'SQLITE_CANTOPEN',
  15: 'SQLITE_PROTOCOL',
  17: 'SQLITE_SCHEMA',
  18: 'SQLITE_TOOBIG',
  19: 'SQLITE_CONSTRAINT',
  20: 'SQLITE_MISMATCH',
  21: 'SQLITE_MISUSE',
  23: 'SQLITE_AUTH',
  25: 'SQLITE_RANGE',
  26: 'SQLITE_NOTADB',
};
const EXTENDED_CODES: Record<number, string> = {
  275: 'SQLITE_CONSTRAINT_CHECK',
  787: 'SQLITE_CONSTRAINT_FOREIGNKEY',
  1299: 'SQLITE_CONSTRAINT_NOTNULL',
  1555: 'SQLITE_CONSTRAINT_PRIMARYKEY',
  2067: 'SQLITE_CONSTRAINT_UNIQUE',
  517: 'SQLITE_BUSY_SNAPSHOT',
  261: 'SQLITE_BUSY_RECOVERY',
  262: 'SQLITE_LOCKED_SHAREDCACHE',
  264: 'SQLITE_READONLY_RECOVERY',
  520: 'SQLITE_READONLY_CANTLOCK',
  776: 'SQLITE_READONLY_ROLLBACK',
  1032: 'SQLITE_READONLY_DBMOVED',
};

/** better-sqlite3's error codes (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_PRIMARYKEY`, ...) from node:sqlite's numeric `errcode`. */
export function sqliteCodeName(errcode: number): string {
  const primary = PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_${errcode & 0xff}`;
  if (errcode <= 0xff) return primary;
  return EXTENDED_CODES[errcode] ?? (primary === 'SQLITE_IOERR' ? `SQLITE_IOERR_${errcode >> 8}` : primary);
}

/** The same error with better-sqlite3's `code`, so one error table serves both drivers. */
function withSqliteCode(err: unknown): unknown {
  const e = err as NodeSqliteError | null;
  if (e && typeof e === 'object' && typeof e.errcode === 'number') {
    try {
      Object.defineProperty(e, 'code', { value: sqliteCodeName(e.errcode), configurable: true, writable: true, enumerable: true });
    } catch {
      // a frozen error keeps its code
    }
  }
  return err;
}

function mapped<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args: A) => {
    try {
      return fn(...args);
    } catch (err) {
      throw withSqliteCode(err);
    }
  };
}

let nodeSqlite: NodeSqliteModule | null | undefined;

/** `node:sqlite`, loaded once, without its "SQLite is an experimental feature" warning (Node 22-24 print it on load). */
function nodeSqliteModule(): NodeSqliteModule | null {
  if (nodeSqlite !== undefined) return nodeSqlite;
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  const emitWarning = process.emitWarning;
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (/^SQLite is an experimental feature/.test(text)) return;
    return (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
  } as typeof process.emitWarning;
  try {
    const mod = getBuiltin ? getBuiltin.call(process, 'node:sqlite') : require('node:sqlite');
    nodeSqlite = (mod as NodeSqliteModule | undefined) ?? null;
  } catch {
    nodeSqlite = null;
  } finally {
    process.emitWarning = emitWarning;
  }
  return nodeSqlite;
}

/** Whether this runtime has `node:sqlite` (Node >= 22.13, Electron >= 35). */
export function hasNodeSqlite(): boolean {
  return nodeSqliteModule() !== null;
}

function openNodeSqlite(filename: string, readOnly = false): SqliteDatabase {
  const mod = nodeSqliteModule();
  if (!mod) {
    throw new SqliteDriverError(
      `SQLITE_DRIVER=node needs node:sqlite, which Node ${process.versions.node} does not have (Node >= 22.13 or Electron >= 35 does); use SQLITE_DRIVER=better-sqlite3.`,
    );
  }
  let db: InstanceType<NodeSqliteModule['DatabaseSync']>;
  try {
    db = new mod.DatabaseSync(filename, readOnly ? { readOnly: true } : {});
  } catch (err) {
    throw withSqliteCode(err);
  }
  return {
    driver: 'node',
    get inTransaction() {
      return db.isTransaction === true;
    },
    prepare: <P extends unknown[] | object, R>(sql: string): SqliteStatement<P, R> => {
      let stmt: NodeStatement;
      try {
        stmt = db.prepare(sql);
      } catch (err) {
        throw withSqliteCode(err);
      }
      return {
        run: mapped((...params: unknown[]) => stmt.run(...params)),
        get: mapped((...params: unknown[]) => stmt.get(...params) as R | undefined),
        all: mapped((...params: unknown[]) => stmt.all(...params) as R[]),
      } as SqliteStatement<P, R>;
    },
    exec: mapped((sql: string) => db.exec(sql)),
    close: () => db.close(),
  };
}

// ---- choosing ----

/** Why better-sqlite3 cannot load here (its binary was built for another runtime), or null when it loads. */
/** The better-sqlite3 build to load: the one given, else SQLITE_NATIVE_BINDING, else the package's own. */
export function nativeBindingOf(given?: string): string | undefined {
  return given ?? (process.env.SQLITE_NATIVE_BINDING || undefined);
}

export function betterSqliteLoadProblem(nativeBinding: string | undefined = nativeBindingOf()): string | null {
  try {
    openBetterSqlite(':memory:', nativeBinding).close();
    return null;
  } catch (err) {
    if (err instanceof SqliteDriverError) return err.problem;
    return `better-sqlite3 does not open a database: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`;
  }
}

let resolvedAuto: { driver: SqliteDriverName; why?: string } | null = null;
let noticeGiven = false;

/** The driver `auto` picks in this process (decided once). */
export function autoSqliteDriver(nativeBinding?: string): { driver: SqliteDriverName; why?: string } {
  if (resolvedAuto) return resolvedAuto;
  const problem = betterSqliteLoadProblem(nativeBinding);
  if (problem === null) resolvedAuto = { driver: 'better-sqlite3' };
  else if (hasNodeSqlite()) resolvedAuto = { driver: 'node', why: problem };
  else {
    throw new SqliteDriverError(
      `No SQLite driver for Node ${process.versions.node} (NODE_MODULE_VERSION ${process.versions.modules}): ${problem}. ` +
        'Run `npm rebuild better-sqlite3` with this Node, or use Node >= 22.13, whose built-in node:sqlite needs no build.',
    );
  }
  return resolvedAuto;
}

/** Opens `filename` (or `:memory:`) with the chosen driver. */
export function openSqliteDatabase(filename: string, options: OpenSqliteOptions = {}): SqliteDatabase {
  // The environment is the default for every caller (tests and tools open stores without a config).
  const choice = options.driver ?? parseSqliteDriverChoice(process.env.SQLITE_DRIVER) ?? 'auto';
  const nativeBinding = nativeBindingOf(options.nativeBinding);
  const readOnly = options.readOnly === true;
  if (choice === 'better-sqlite3') return openBetterSqlite(filename, nativeBinding, readOnly);
  if (choice === 'node') return openNodeSqlite(filename, readOnly);
  const auto = autoSqliteDriver(nativeBinding);
  if (auto.driver === 'node' && auto.why && !noticeGiven) {
    noticeGiven = true;
    (options.notice ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `flowscope: ${auto.why}; using Node's built-in node:sqlite (run \`npm rebuild better-sqlite3\` for the native driver).`,
    );
  }
  return auto.driver === 'node' ? openNodeSqlite(filename, readOnly) : openBetterSqlite(filename, nativeBinding, readOnly);
}
