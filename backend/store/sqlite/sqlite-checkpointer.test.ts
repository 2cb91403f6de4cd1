import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { betterSqliteEntry, hasNodeSqlite, openSqliteDatabase, type SqliteDriverName } from './sqlite-driver.ts';
import { DEFAULT_AUTOCHECKPOINT_PAGES, SAFETY_AUTOCHECKPOINT_PAGES, SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { ioCounters } from '../../metrics/io-counters.ts';
import { SqliteStore } from './sqlite-store.ts';
import { SqliteWriteQueue } from './sqlite-write-queue.ts';
import { acceptInput, thinkingEvent } from './test-support/checkpoint-records.ts';

const DRIVERS: Array<{ driver: SqliteDriverName; here: boolean }> = [
  { driver: 'better-sqlite3', here: true },
  { driver: 'node', here: hasNodeSqlite() },
];

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.each(DRIVERS)('WAL checkpoints in a worker ($driver)', ({ driver, here }) => {
  if (!here) {
    it.skip(`node:sqlite is not in Node ${process.versions.node}`, () => undefined);
    return;
  }
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-ckpt-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function acceptedRun(store: SqliteStore, id: string): Promise<void> {
    expect((await store.acceptMessage(acceptInput(id))).kind).toBe('accepted');
  }

  it('starts after a few commits, keeps the WAL bounded under steady writes, and loses nothing', async () => {
    const file = path.join(dir, 'f.sqlite');
    const store = new SqliteStore({ filename: file, driver });
    await store.init();
    await acceptedRun(store, 'run_1');
    expect(store.checkpoints?.state).toBe('idle');
    const countedBefore = ioCounters.storeCheckpoints;
    // ~24 MB of events in 600 commits: past the point where the WAL is started over (16 MiB),
    // and with nobody checkpointing, the WAL would hold all of it.
    const text = 'x'.repeat(10_000);
    let seq = 0;
    for (let commit = 0; commit < 600; commit++) {
      await store.appendEvents([
        thinkingEvent('run_1', ++seq, text),
        thinkingEvent('run_1', ++seq, text),
        thinkingEvent('run_1', ++seq, text),
        thinkingEvent('run_1', ++seq, text),
      ]);
    }
    await until(() => (store.checkpoints?.stats.checkpoints ?? 0) > 3, 'checkpoints');
    const checkpoints = store.checkpoints!;
    expect(checkpoints.state).toBe('running');
    expect(checkpoints.stats.failures).toBe(0);
    expect(checkpoints.stats.catchUps).toBeGreaterThan(0);
    expect(ioCounters.storeCheckpoints - countedBefore).toBe(checkpoints.stats.checkpoints);
    // Started over at RESTART_WAL_PAGES (4096 pages, 16 MiB): never near the safety net.
    expect(fs.statSync(`${file}-wal`).size).toBeLessThan(SAFETY_AUTOCHECKPOINT_PAGES * 4096);
    expect(checkpoints.stats.longestWal).toBeLessThan(SAFETY_AUTOCHECKPOINT_PAGES);
    expect(await store.lastSeq('run_1')).toBe(2400);
    await store.close();
    expect(checkpoints.state).toBe('closed');
    // The store's connection closed last: everything is in the database file, the WAL is gone.
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
    const db = openSqliteDatabase(file, { driver, readOnly: true });
    try {
      expect(db.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()?.n).toBe(2400);
      expect(db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('falls back to checkpoints in the commits when the worker cannot open the database', async () => {
    const file = path.join(dir, 'f.sqlite');
    const db = openSqliteDatabase(file, { driver });
    db.exec('PRAGMA journal_mode = WAL');
    const autocheckpoint = () => db.prepare<[], { wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint;
    // better-sqlite3: a module that is not there; node:sqlite: a file in a folder that is not there.
    const checkpointer = new SqliteCheckpointer(db, {
      filename: driver === 'node' ? path.join(dir, 'missing', 'f.sqlite') : file,
      driver,
      betterSqlitePath: path.join(dir, 'no-such-module.js'),
      busyTimeoutMs: 100,
      startAfterCommits: 1,
    });
    checkpointer.noteCommit();
    await until(() => checkpointer.state === 'failed', 'the worker to fail');
    expect(checkpointer.failure).toMatch(/Cannot find module|unable to open|no such/i);
    expect(autocheckpoint()).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    checkpointer.noteCommit();
    expect(checkpointer.state).toBe('failed');
    await checkpointer.close();
    db.close();
  });

  it('hands the safety net to the store connection while running and SQLite default back on close', async () => {
    const file = path.join(dir, 'f.sqlite');
    const db = openSqliteDatabase(file, { driver });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('CREATE TABLE t (x TEXT)');
    const autocheckpoint = () => db.prepare<[], { wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint').get()?.wal_autocheckpoint;
    const checkpointer = new SqliteCheckpointer(db, {
      filename: file,
      driver,
      betterSqlitePath: betterSqliteEntry(),
      // The build for this runtime (Node 24 in CI loads one made for it, as the store does).
      nativeBinding: process.env.SQLITE_NATIVE_BINDING || undefined,
      busyTimeoutMs: 100,
      startAfterCommits: 1,
    });
    checkpointer.noteCommit();
    await until(() => checkpointer.state !== 'starting' && checkpointer.state !== 'idle', 'the worker');
    expect(checkpointer.failure).toBeNull();
    expect(checkpointer.state).toBe('running');
    expect(autocheckpoint()).toBe(SAFETY_AUTOCHECKPOINT_PAGES);
    await until(() => checkpointer.stats.checkpoints > 0, 'the first checkpoint');
    await checkpointer.close();
    expect(checkpointer.state).toBe('closed');
    expect(autocheckpoint()).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    db.close();
  });

  it('starts no worker for a store that only commits a few times, or for :memory:', async () => {
    const store = new SqliteStore({ filename: path.join(dir, 'f.sqlite'), driver });
    await store.init();
    await acceptedRun(store, 'run_1');
    expect(store.checkpoints?.state).toBe('idle');
    await store.close();
    const memory = new SqliteStore({ filename: ':memory:', driver });
    await memory.init();
    expect(memory.checkpoints).toBeNull();
    await memory.close();
  });
});

describe('a writer killed (SIGKILL) while the checkpoint worker runs', () => {
  it('loses no acknowledged write and leaves an intact database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-ckpt-kill-'));
    const file = path.join(dir, 'f.sqlite');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'test-support/checkpoint-writer.ts'), file], {
        cwd: path.resolve(import.meta.dirname, '../../..'),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let acked = 0;
      let checkpoints = 0;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^acked (\d+) (\w+) (\d+)$/.exec(line);
          if (m) {
            acked = Number(m[1]);
            checkpoints = Number(m[3]);
          }
        }
      });
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      // Past the start of the WAL over (16 MiB) at least once, the worker checkpointing.
      await until(() => checkpoints >= 5 && acked >= 5000, `the writer (stderr: ${stderr})`, 60_000);
      child.kill('SIGKILL');
      await exited;
      const db = openSqliteDatabase(file);
      try {
        const stored = db.prepare<[], { n: number; top: number }>("SELECT count(*) AS n, max(seq) AS top FROM events WHERE run_id = 'run_1'").get();
        expect(stored?.top).toBe(stored?.n); // no gap
        expect(stored?.n ?? 0).toBeGreaterThanOrEqual(acked);
        expect(db.prepare<[], { integrity_check: string }>('PRAGMA integrity_check').get()?.integrity_check).toBe('ok');
      } finally {
        db.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('SqliteWriteQueue.hold', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-hold-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps writes queued (the event loop free) until released; a read still flushes them', async () => {
    const db = openSqliteDatabase(path.join(dir, 'q.sqlite'));
    db.exec('CREATE TABLE t (x TEXT)');
    let commits = 0;
    const queue = new SqliteWriteQueue(
      db,
      (err) => err,
      () => commits++,
    );
    const count = () => db.prepare<[], { n: number }>('SELECT count(*) AS n FROM t').get()?.n;
    const release = queue.hold();
    let settled = false;
    const write = queue.enqueue(() => db.prepare('INSERT INTO t (x) VALUES (?)').run('a')).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    expect(queue.pending).toBe(1);
    expect(count()).toBe(0);
    release();
    await write;
    expect(count()).toBe(1);
    expect(commits).toBe(1);

    const release2 = queue.hold();
    const second = queue.enqueue(() => db.prepare('INSERT INTO t (x) VALUES (?)').run('b'));
    queue.flush(); // what a read does first
    await second;
    expect(count()).toBe(2);
    release2();
    release2(); // twice is harmless
    const third = queue.enqueue(() => db.prepare('INSERT INTO t (x) VALUES (?)').run('c'));
    await third;
    expect(count()).toBe(3);
    db.close();
  });
});
