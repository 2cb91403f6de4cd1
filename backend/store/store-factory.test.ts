import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from './store-errors.ts';
import { createStore, resolveStoreTarget } from './store-factory.ts';

describe('resolveStoreTarget', () => {
  const dataDir = '/data/flowscope';
  it.each([
    [undefined, { kind: 'sqlite', filename: '/data/flowscope/flowscope.sqlite' }],
    ['', { kind: 'sqlite', filename: '/data/flowscope/flowscope.sqlite' }],
    ['sqlite:', { kind: 'sqlite', filename: '/data/flowscope/flowscope.sqlite' }],
    ['sqlite:/tmp/a.sqlite', { kind: 'sqlite', filename: '/tmp/a.sqlite' }],
    ['sqlite:///tmp/b.sqlite', { kind: 'sqlite', filename: '/tmp/b.sqlite' }],
    ['file:/tmp/c.sqlite', { kind: 'sqlite', filename: '/tmp/c.sqlite' }],
    ['file:///tmp/d%20e.sqlite', { kind: 'sqlite', filename: '/tmp/d e.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', filename: ':memory:' }],
    ['sqlite:rel/f.sqlite', { kind: 'sqlite', filename: path.resolve('rel/f.sqlite') }],
    ['postgres://u@h:5432/db', { kind: 'postgres', url: 'postgres://u@h:5432/db', schema: 'public' }],
    ['postgresql://u@h/db', { kind: 'postgres', url: 'postgresql://u@h/db', schema: 'public' }],
  ])('%s', (databaseUrl, expected) => {
    expect(resolveStoreTarget({ databaseUrl, dataDir })).toEqual(expected);
  });

  it('passes the schema for PostgreSQL and refuses unknown schemes', () => {
    expect(resolveStoreTarget({ databaseUrl: 'postgres://h/db', dataDir, schema: 'tests_1' })).toMatchObject({ schema: 'tests_1' });
    expect(() => resolveStoreTarget({ databaseUrl: 'mysql://h/db', dataDir })).toThrow(/Unsupported DATABASE_URL scheme "mysql:"/);
  });
});

describe('createStore', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates the data dir and an initialized SQLite store', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-factory-'));
    dirs.push(root);
    const dataDir = path.join(root, 'nested', 'data');
    const store = await createStore({ dataDir });
    try {
      expect(store.kind).toBe('sqlite');
      await store.ping();
      expect(fs.existsSync(path.join(dataDir, 'flowscope.sqlite'))).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('rejects with StoreUnavailableError when the SQLite file cannot be created', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-factory-'));
    dirs.push(root);
    const notADir = path.join(root, 'file');
    fs.writeFileSync(notADir, 'x');
    await expect(createStore({ dataDir: notADir })).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('rejects with StoreUnavailableError naming host:port and the fix when PostgreSQL is unreachable', async () => {
    const started = Date.now();
    const error = await createStore({ databaseUrl: 'postgres://flow:s3cret@127.0.0.1:1/test', dataDir: os.tmpdir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('127.0.0.1:1');
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(6000);
  });
});
