/**
 * One data folder, one process (docs/deployment.md, "One data folder, one process").
 *
 * With SQLite and the in-process cache, a backend's liveness lease and per-user leases live in
 * its own memory: a second process on the same database cannot see them, takes the first's
 * running runs for orphans and ends them `interrupted` (issue 17, defect 1). So a backend on
 * such a store holds a lock file beside the database (`flowscope.lock` in the data folder), and
 * a second one refuses to start with one line naming the holder. With a cross-process cache
 * (REDIS_URL) processes see each other's leases and no lock is taken.
 *
 * The lock file holds JSON: pid, hostname, instance id, start time, and once listening the port
 * and URL. It is created atomically (written to a private file, then hard-linked to its name,
 * which fails if the name exists), replaced atomically (rename) when the port is known, and
 * removed on close and at process exit. A holder is alive when:
 * - same host and `process.kill(pid, 0)` finds the process (ESRCH: dead, the lock is stale), and
 * - once it has a URL, its /health answers with the lock's instance id. That is the proof a
 *   reused pid cannot give: a pid alive whose URL is refused (for longer than a shutdown takes)
 *   or answered by another instance is not the holder, and the lock is stale. A /health that
 *   does not answer in time counts as alive (a busy holder is still a holder).
 * A lock of another host (a data folder on a network share) is never taken over: the line says
 * which host, and that the file may be removed if no backend runs there.
 * Taking over a stale lock renames it to a private name first and checks it is the one judged
 * stale (its nonce), so two processes starting at once cannot both take it.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const LOCK_FILENAME = 'flowscope.lock';

/** What the lock file says of its holder. */
export interface LockHolder {
  pid: number;
  hostname: string;
  instanceId: string;
  startedAt: string;
  port: number | null;
  url: string | null;
  /** The database the lock guards. */
  database: string;
  nonce: string;
}

/** A second process on a data folder in use (exit code 1 in `flowscope serve`). */
export class DataFolderInUseError extends Error {
  readonly code = 'DATA_FOLDER_IN_USE';
  override readonly name = 'DataFolderInUseError';
  constructor(
    message: string,
    readonly holder: LockHolder,
    readonly lockPath: string,
  ) {
    super(message);
  }
}

export interface DataFolderLock {
  readonly path: string;
  /** Records where this backend listens (after `listen`). */
  listening(port: number, url: string): void;
  /** Removes the lock file if it is still ours. Idempotent. */
  release(): void;
}

export interface AcquireOptions {
  /** The folder named in messages (the data folder, or the database file's folder). */
  folder: string;
  /** The lock file. */
  lockPath: string;
  /** The database file guarded. */
  database: string;
  instanceId: string;
  /** Told when a stale lock is taken over. */
  onTakeover?(message: string, holder: LockHolder): void;
  /** How long a holder whose pid lives but whose URL refuses connections may be shutting down (default 6 s). */
  shutdownGraceMs?: number;
  /** The /health probe's timeout (default 2 s). */
  probeTimeoutMs?: number;
}

/** Nonces of the locks this process holds (two backends of one process on one folder). */
const HELD = new Set<string>();
/** Their release, run if the process exits without closing its backends (process.exit). */
const RELEASE_AT_EXIT = new Map<string, () => void>();
let exitHook = false;

/** The lock file for a SQLite database file: `flowscope.lock` beside the default `flowscope.sqlite`, else `<file>.lock`. */
export function lockPathFor(databaseFile: string, defaultFilename: string): string {
  const dir = path.dirname(databaseFile);
  const base = path.basename(databaseFile);
  return path.join(dir, base === defaultFilename ? LOCK_FILENAME : `${base}.lock`);
}

function readHolder(lockPath: string): LockHolder | null | 'missing' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    if (typeof value.pid !== 'number' || typeof value.nonce !== 'string' || typeof value.hostname !== 'string') return null;
    return {
      pid: value.pid,
      hostname: value.hostname,
      instanceId: String(value.instanceId ?? ''),
      startedAt: String(value.startedAt ?? ''),
      port: typeof value.port === 'number' ? value.port : null,
      url: typeof value.url === 'string' ? value.url : null,
      database: String(value.database ?? ''),
      nonce: value.nonce,
    };
  } catch {
    return null; // being written (no hard links on this file system), or damaged
  }
}

function fileAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The URL to probe: an unspecified bind address is reached on loopback. */
function probeUrl(url: string): string {
  return url.replace('://0.0.0.0:', '://127.0.0.1:').replace('://[::]:', '://[::1]:');
}

type Probe = 'holder' | 'other' | 'refused' | 'no-answer';

async function probeHolder(holder: LockHolder, timeoutMs: number): Promise<Probe> {
  if (!holder.url) return 'no-answer';
  try {
    const res = await fetch(`${probeUrl(holder.url)}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => null)) as { instance_id?: unknown } | null;
    return body?.instance_id === holder.instanceId ? 'holder' : 'other';
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EADDRNOTAVAIL') return 'refused';
    return 'no-answer';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Verdict = { live: true } | { live: false; why: string };

async function judge(holder: LockHolder, options: AcquireOptions): Promise<Verdict> {
  if (holder.hostname !== os.hostname()) return { live: true };
  if (holder.pid === process.pid)
    return HELD.has(holder.nonce) ? { live: true } : { live: false, why: `an earlier backend of this process (pid ${holder.pid}) did not remove it` };
  if (!pidAlive(holder.pid)) return { live: false, why: `pid ${holder.pid} is no longer running` };
  if (!holder.url) return { live: true }; // starting: not listening yet
  const graceEnd = Date.now() + (options.shutdownGraceMs ?? 6000);
  for (;;) {
    const probe = await probeHolder(holder, options.probeTimeoutMs ?? 2000);
    if (probe === 'holder' || probe === 'no-answer') return { live: true };
    if (probe === 'other') return { live: false, why: `pid ${holder.pid} is running but ${holder.url} is another backend's (the pid was reused)` };
    // Refused: the holder may be shutting down (it closes its server first, removes the lock last).
    if (!pidAlive(holder.pid)) return { live: false, why: `pid ${holder.pid} is no longer running` };
    if (Date.now() >= graceEnd) return { live: false, why: `pid ${holder.pid} is running but nothing listens on ${holder.url} (the pid was reused)` };
    await sleep(250);
  }
}

function describeHolder(holder: LockHolder): string {
  const where = holder.port !== null ? `port ${holder.port}` : 'starting, no port yet';
  const host = holder.hostname !== os.hostname() ? ` on host ${holder.hostname}` : '';
  const since = holder.startedAt ? `, since ${holder.startedAt}` : '';
  return `pid ${holder.pid}${host}, ${where}${since}`;
}

function inUseMessage(holder: LockHolder, options: AcquireOptions): string {
  const foreign = holder.hostname !== os.hostname() ? ` (if no backend runs on ${holder.hostname} any more, remove ${options.lockPath})` : '';
  return (
    `the data folder ${options.folder} is in use by another Flowscope backend (${describeHolder(holder)})${foreign}: ` +
    `stop it, or choose another folder with --data-dir or DATA_DIR; several processes share one store only with DATABASE_URL (PostgreSQL) and REDIS_URL`
  );
}

/** Creates the lock file atomically; false when one exists. */
function create(lockPath: string, content: string): boolean {
  const temp = `${lockPath}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  fs.writeFileSync(temp, content, { mode: 0o644 });
  try {
    fs.linkSync(temp, lockPath);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw err;
    // No hard links here (FAT, some network shares): exclusive create, then write.
    try {
      fs.writeFileSync(lockPath, content, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/** Removes the stale lock `holder` (and only it). False when the file changed meanwhile. */
function removeStale(lockPath: string, holder: LockHolder | null): boolean {
  const aside = `${lockPath}.${process.pid}.${randomUUID().slice(0, 8)}.stale`;
  try {
    fs.renameSync(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true; // someone removed it: try again
    throw err;
  }
  const moved = readHolder(aside);
  const same = holder === null ? moved === null : moved !== null && moved !== 'missing' && moved.nonce === holder.nonce;
  if (same) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // We moved a newer lock (another process took the stale one first): put it back.
  try {
    fs.linkSync(aside, lockPath);
  } catch {
    // a third process created one meanwhile: it holds the folder
  }
  fs.rmSync(aside, { force: true });
  return false;
}

/**
 * Takes the lock, or throws DataFolderInUseError with the one line to print. A stale lock (its
 * process is gone) is taken over and `onTakeover` told.
 */
export async function acquireDataFolderLock(options: AcquireOptions): Promise<DataFolderLock> {
  fs.mkdirSync(path.dirname(options.lockPath), { recursive: true });
  const mine: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    instanceId: options.instanceId,
    startedAt: new Date().toISOString(),
    port: null,
    url: null,
    database: options.database,
    nonce: randomUUID(),
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (create(options.lockPath, JSON.stringify(mine))) break;
    const holder = readHolder(options.lockPath);
    if (holder === 'missing') continue; // removed meanwhile
    if (Date.now() > deadline) throw new Error(`cannot take the lock ${options.lockPath}: it keeps changing`);
    if (holder === null) {
      // Unreadable: being written (give it a moment), or left damaged.
      if (fileAgeMs(options.lockPath) < 5000) {
        await sleep(100);
        continue;
      }
      if (removeStale(options.lockPath, null)) options.onTakeover?.(`removed the unreadable lock ${options.lockPath}`, mine);
      continue;
    }
    const verdict = await judge(holder, options);
    if (verdict.live) throw new DataFolderInUseError(inUseMessage(holder, options), holder, options.lockPath);
    if (removeStale(options.lockPath, holder)) {
      options.onTakeover?.(`took over the data folder ${options.folder} from a backend that is gone: ${verdict.why}`, holder);
    }
  }
  HELD.add(mine.nonce);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    HELD.delete(mine.nonce);
    RELEASE_AT_EXIT.delete(mine.nonce);
    const current = readHolder(options.lockPath);
    if (current !== null && current !== 'missing' && current.nonce === mine.nonce) fs.rmSync(options.lockPath, { force: true });
  };
  // A process that exits without closing the backend (process.exit) leaves no lock behind.
  RELEASE_AT_EXIT.set(mine.nonce, release);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const fn of [...RELEASE_AT_EXIT.values()]) {
        try {
          fn();
        } catch {
          // nothing more can be done at exit
        }
      }
    });
  }
  return {
    path: options.lockPath,
    listening(port, url) {
      if (released) return;
      const current = readHolder(options.lockPath);
      if (current === null || current === 'missing' || current.nonce !== mine.nonce) return;
      const updated = { ...mine, port, url };
      const temp = `${options.lockPath}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
      fs.writeFileSync(temp, JSON.stringify(updated), { mode: 0o644 });
      fs.renameSync(temp, options.lockPath);
    },
    release() {
      try {
        release();
      } catch {
        // the folder went away: nothing to remove
      }
    },
  };
}
