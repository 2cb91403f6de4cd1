/**
 * WAL checkpoints off the event loop. In WAL mode each commit appends pages to the `-wal` file
 * (no fsync with synchronous=NORMAL); a checkpoint copies them back into the database and
 * fsyncs both files. SQLite runs that checkpoint inside the COMMIT that crosses
 * `wal_autocheckpoint` pages, so on the store's own connection it stalls the event loop that
 * also serves the network (measured: half of all COMMIT time under load, and the p99 spikes).
 *
 * Here a worker thread with a connection of its own runs `PRAGMA wal_checkpoint(PASSIVE)`
 * after every few commits and on a timer while commits keep coming. PASSIVE never blocks the
 * writer: it copies what is committed and returns. The store's connection keeps a high
 * `wal_autocheckpoint` as a safety net (it checkpoints itself only if the worker cannot keep
 * up), and gets SQLite's default back if the worker fails to start or dies. Durability is
 * unchanged: a commit is in the WAL before its write resolves, whoever checkpoints it later.
 *
 * The worker is started only once the store has committed a few times (short-lived stores,
 * as tests make by the hundred, never start one) and is an `eval` worker of plain JavaScript
 * (below), so it runs the same from the sources, the built package and the desktop bundle.
 */
import { Worker } from 'node:worker_threads';
import { ioCounters } from '../../metrics/io-counters.ts';
import type { SqliteDatabase, SqliteDriverName } from './sqlite-driver.ts';

/** SQLite's own default, restored when the worker is not there. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/** While the worker checkpoints: the store's connection does it only when the WAL is this far behind. */
export const SAFETY_AUTOCHECKPOINT_PAGES = 20_000;
/**
 * A WAL this long (pages) is started over: under steady load each PASSIVE checkpoint ends a
 * little behind the writer (commits continue while it runs), and SQLite reuses the WAL from its
 * start only when a write begins with every frame checkpointed. So writes are held back
 * (queued, not blocking) for one short checkpoint of what the last one missed.
 */
export const RESTART_WAL_PAGES = 4096;

export interface CheckpointerOptions {
  filename: string;
  driver: SqliteDriverName;
  /** better-sqlite3's entry file, resolved by the driver (the worker must load the same build). */
  betterSqlitePath?: string | undefined;
  nativeBinding?: string | undefined;
  busyTimeoutMs: number;
  /** Commits before the worker starts (default 32). */
  startAfterCommits?: number;
  /** Commits between two checkpoint requests (default 16). */
  commitsPerCheckpoint?: number;
  /** A checkpoint is requested this long after a commit at the latest (default 200 ms). */
  maxDelayMs?: number;
  /** Holds the store's writes back until the returned function is called (SqliteWriteQueue.hold). */
  holdWrites?: (() => () => void) | undefined;
  /** See RESTART_WAL_PAGES. */
  restartWalPages?: number;
}

export type CheckpointerState = 'idle' | 'starting' | 'running' | 'failed' | 'closed';

interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

type FromWorker =
  { type: 'ready' } | { type: 'failed'; message: string } | { type: 'checkpointed'; result: CheckpointResult } | { type: 'checkpoint_failed'; message: string };

/** The worker: plain CommonJS, self-contained (no imports of ours). */
const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
let db;
try {
  if (workerData.driver === 'node') {
    const emitWarning = process.emitWarning;
    process.emitWarning = function (warning, ...rest) {
      const text = typeof warning === 'string' ? warning : warning && warning.message;
      if (/^SQLite is an experimental feature/.test(String(text))) return;
      return emitWarning.call(process, warning, ...rest);
    };
    try {
      const mod = process.getBuiltinModule ? process.getBuiltinModule('node:sqlite') : require('node:sqlite');
      db = new mod.DatabaseSync(workerData.filename);
    } finally {
      process.emitWarning = emitWarning;
    }
  } else {
    const Database = require(workerData.betterSqlitePath);
    db = new Database(workerData.filename, workerData.nativeBinding ? { nativeBinding: workerData.nativeBinding } : {});
  }
  db.exec('PRAGMA busy_timeout = ' + workerData.busyTimeoutMs);
  const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
  parentPort.on('message', (message) => {
    if (message === 'checkpoint') {
      try {
        const row = checkpoint.get();
        parentPort.postMessage({ type: 'checkpointed', result: { busy: Number(row.busy), log: Number(row.log), checkpointed: Number(row.checkpointed) } });
      } catch (err) {
        parentPort.postMessage({ type: 'checkpoint_failed', message: String((err && err.message) || err) });
      }
    } else if (message === 'close') {
      db.close();
      db = undefined;
      parentPort.close();
    }
  });
  parentPort.postMessage({ type: 'ready' });
} catch (err) {
  if (db) db.close();
  parentPort.postMessage({ type: 'failed', message: String((err && err.message) || err) });
  parentPort.close();
}
`;

export class SqliteCheckpointer {
  #state: CheckpointerState = 'idle';
  #worker: Worker | null = null;
  #commits = 0;
  #sinceCheckpoint = 0;
  #inFlight = false;
  #timer: NodeJS.Timeout | null = null;
  #exited: Promise<void> | null = null;
  #failure: string | null = null;
  #releaseWrites: (() => void) | null = null;
  /** Checkpoints the worker ran, the longest WAL (pages) one found, times the WAL was caught up while writes waited. */
  readonly stats = { checkpoints: 0, longestWal: 0, catchUps: 0, failures: 0 };
  readonly #startAfter: number;
  readonly #every: number;
  readonly #maxDelayMs: number;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly options: CheckpointerOptions,
  ) {
    this.#startAfter = options.startAfterCommits ?? 32;
    this.#every = options.commitsPerCheckpoint ?? 16;
    this.#maxDelayMs = options.maxDelayMs ?? 200;
  }

  get state(): CheckpointerState {
    return this.#state;
  }

  /** Why the worker is not running (state `failed`). */
  get failure(): string | null {
    return this.#failure;
  }

  /** Called after each commit of the store's connection. */
  noteCommit(): void {
    if (this.#state === 'closed' || this.#state === 'failed') return;
    this.#commits++;
    this.#sinceCheckpoint++;
    if (this.#state === 'idle') {
      if (this.#commits >= this.#startAfter) this.#start();
      return;
    }
    if (this.#state !== 'running') return;
    if (this.#sinceCheckpoint >= this.#every) this.#request();
    else this.#timer ??= setTimeout(() => this.#request(), this.#maxDelayMs).unref();
  }

  /** Stops the worker (its connection closed) and gives the store's connection SQLite's default back. */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const worker = this.#worker;
    this.#state = 'closed';
    this.#clearTimer();
    this.#releaseHold();
    if (!worker) return;
    worker.postMessage('close');
    const exited = this.#exited;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), 2000);
    });
    const outcome = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (outcome === 'late') await worker.terminate();
    this.#worker = null;
    this.#setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
  }

  #start(): void {
    this.#state = 'starting';
    let worker: Worker;
    try {
      worker = new Worker(WORKER_SOURCE, {
        eval: true,
        name: 'flowscope-sqlite-checkpoints',
        workerData: {
          filename: this.options.filename,
          driver: this.options.driver,
          betterSqlitePath: this.options.betterSqlitePath,
          nativeBinding: this.options.nativeBinding,
          busyTimeoutMs: Math.max(0, Math.floor(this.options.busyTimeoutMs)),
        },
        // The worker is plain JavaScript: no loaders of the parent (tsx) needed.
        execArgv: [],
        stdout: false,
        stderr: false,
      });
    } catch (err) {
      this.#fail(err instanceof Error ? err.message : String(err));
      return;
    }
    this.#worker = worker;
    worker.unref();
    this.#exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (message: FromWorker) => this.#onMessage(message));
    worker.on('error', (err) => this.#fail(err.message));
    worker.once('exit', () => {
      if (this.#state === 'running' || this.#state === 'starting') this.#fail('the checkpoint worker exited');
    });
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'ready':
        if (this.#state !== 'starting') return;
        this.#state = 'running';
        this.#setAutocheckpoint(SAFETY_AUTOCHECKPOINT_PAGES);
        this.#request();
        return;
      case 'failed':
        this.#fail(message.message);
        return;
      case 'checkpointed': {
        this.#inFlight = false;
        this.stats.checkpoints++;
        ioCounters.storeCheckpoints++;
        const { log, checkpointed } = message.result;
        this.stats.longestWal = Math.max(this.stats.longestWal, log);
        if (this.#releaseWrites) {
          this.#releaseHold();
          if (checkpointed >= log) this.stats.catchUps++;
        } else if (log >= (this.options.restartWalPages ?? RESTART_WAL_PAGES) && this.options.holdWrites && this.#state === 'running') {
          // Commits made while this checkpoint ran are not in it: copy those too with nothing appended meanwhile.
          this.#releaseWrites = this.options.holdWrites();
          this.#request();
          return;
        }
        // Commits arrived while it ran: their frames wait for the next request.
        if (this.#sinceCheckpoint > 0 && this.#state === 'running') this.#timer ??= setTimeout(() => this.#request(), this.#maxDelayMs).unref();
        return;
      }
      case 'checkpoint_failed':
        // SQLITE_BUSY and the like: the next request tries again; the safety net stays.
        this.#inFlight = false;
        this.#releaseHold();
        this.stats.failures++;
        return;
    }
  }

  #releaseHold(): void {
    const release = this.#releaseWrites;
    this.#releaseWrites = null;
    release?.();
  }

  #request(): void {
    this.#clearTimer();
    if (this.#state !== 'running' || this.#inFlight || !this.#worker) {
      if (!this.#inFlight) this.#releaseHold();
      return;
    }
    this.#inFlight = true;
    this.#sinceCheckpoint = 0;
    this.#worker.postMessage('checkpoint');
  }

  #fail(reason: string): void {
    if (this.#state === 'closed') return;
    this.#state = 'failed';
    this.#failure = reason;
    this.#clearTimer();
    this.#releaseHold();
    const worker = this.#worker;
    this.#worker = null;
    void worker?.terminate();
    this.#setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES);
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #setAutocheckpoint(pages: number): void {
    try {
      this.db.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
    } catch {
      // The store's connection is closed or failing: its own errors report that.
    }
  }
}
