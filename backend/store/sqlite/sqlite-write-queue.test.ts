import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hasNodeSqlite, openSqliteDatabase, type SqliteDatabase, type SqliteDriverName } from './sqlite-driver.ts';
import { SqliteWriteQueue } from './sqlite-write-queue.ts';

// Both drivers; node:sqlite only where the runtime has it (Node >= 22.13), skipped visibly elsewhere.
const DRIVERS: Array<{ driver: SqliteDriverName; here: boolean }> = [
  { driver: 'better-sqlite3', here: true },
  { driver: 'node', here: hasNodeSqlite() },
];

describe.each(DRIVERS)('SqliteWriteQueue ($driver)', ({ driver, here }) => {
  if (!here) {
    it.skip(`node:sqlite is not in Node ${process.versions.node}`, () => undefined);
    return;
  }
  let dir: string;
  let db: SqliteDatabase;
  let reader: SqliteDatabase;
  let queue: SqliteWriteQueue;
  const rows = () =>
    reader
      .prepare<[], { x: string }>('SELECT x FROM t ORDER BY rowid')
      .all()
      .map((r) => r.x);
  const insert = (x: string) => db.prepare<[string]>('INSERT INTO t (x) VALUES (?)').run(x);

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-wq-'));
    db = openSqliteDatabase(path.join(dir, 'q.sqlite'), { driver });
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('CREATE TABLE t (x TEXT NOT NULL UNIQUE)');
    reader = openSqliteDatabase(path.join(dir, 'q.sqlite'), { driver });
    queue = new SqliteWriteQueue(db, (err) => err);
  });
  afterEach(() => {
    reader.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the writes of one tick in one transaction, on setImmediate, resolving after the commit', async () => {
    const seenByOtherConnection: string[][] = [];
    const writes = ['a', 'b', 'c'].map((x) =>
      queue.enqueue(() => {
        seenByOtherConnection.push(rows());
        insert(x);
        return x.toUpperCase();
      }),
    );
    expect(queue.pending).toBe(3);
    expect(rows()).toEqual([]); // nothing runs synchronously
    await expect(Promise.all(writes)).resolves.toEqual(['A', 'B', 'C']);
    // While the batch ran, no write of it was visible to another connection: one commit.
    expect(seenByOtherConnection).toEqual([[], [], []]);
    expect(rows()).toEqual(['a', 'b', 'c']);
  });

  it('rejects only the failing write, rolling back just its own changes', async () => {
    const results = await Promise.allSettled([
      queue.enqueue(() => insert('a')),
      queue.enqueue(() => {
        insert('half-done');
        insert('a'); // UNIQUE violation
      }),
      queue.enqueue(() => insert('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['a', 'c']);
    // The driver's error keeps better-sqlite3's code on both drivers (the store's error table reads it).
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_UNIQUE' });
  });

  it('replays the batch write by write when SQLite drops the whole transaction', async () => {
    const results = await Promise.allSettled([
      queue.enqueue(() => insert('a')),
      queue.enqueue(() => {
        insert('lost');
        db.exec('ROLLBACK'); // what SQLite does itself on e.g. SQLITE_FULL
        throw new Error('transaction lost');
      }),
      queue.enqueue(() => insert('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rows()).toEqual(['a', 'c']);
    expect(db.inTransaction).toBe(false);
  });

  it('flush() runs the pending writes synchronously', async () => {
    const write = queue.enqueue(() => insert('now'));
    queue.flush();
    expect(rows()).toEqual(['now']);
    expect(queue.pending).toBe(0);
    await write;
  });

  it('keeps the order of writes across ticks', async () => {
    const order: number[] = [];
    const first = queue.enqueue(() => order.push(1));
    await new Promise((r) => setImmediate(r));
    const second = queue.enqueue(() => order.push(2));
    await Promise.all([first, second]);
    expect(order).toEqual([1, 2]);
  });
});
