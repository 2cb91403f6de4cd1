import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { postgresAvailable, TEST_DATABASE_URL } from '../../test/support/test-services.ts';
import { AdapterError } from '../errors/adapter-errors.ts';
import { StoreUnavailableError } from './store-errors.ts';
import { createStore, resolveStoreTarget, STORE_ADAPTER_NAMES, storeAdapter } from './store-factory.ts';

const pgUp = await postgresAvailable();

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

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
    expect(thrown(() => resolveStoreTarget({ databaseUrl: 'mysql://h/db', dataDir }))).toMatchObject({
      code: 'UNSUPPORTED_URL',
      known: ['sqlite', 'file', 'postgres', 'postgresql'],
    });
  });
});

describe('store adapters', () => {
  it('are labels with capabilities, looked up by name', () => {
    expect(STORE_ADAPTER_NAMES).toEqual(['sqlite', 'postgres']);
    expect(storeAdapter('sqlite')).toEqual({ name: 'sqlite', schemes: ['sqlite', 'file'], capabilities: { crossProcess: false } });
    expect(storeAdapter('postgres')).toEqual({ name: 'postgres', schemes: ['postgres', 'postgresql'], capabilities: { crossProcess: true } });
  });

  it('an unknown name is an UNKNOWN_ADAPTER error listing the known ones', () => {
    for (const name of ['mysql', 'constructor', 'Postgres']) {
      const error = thrown(() => storeAdapter(name));
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({
        code: 'UNKNOWN_ADAPTER',
        known: ['sqlite', 'postgres'],
        message: `Unknown store adapter "${name}": known adapters are sqlite, postgres.`,
      });
    }
  });
});

describe('createStore ephemeral', () => {
  it('gives SQLite a file in a folder of its own, removed on close', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-factory-'));
    try {
      const store = await createStore({ dataDir, ephemeral: true });
      expect(store.namespace.startsWith(dataDir)).toBe(false);
      expect(fs.existsSync(store.namespace)).toBe(true);
      await store.ping();
      await store.close();
      expect(fs.existsSync(path.dirname(store.namespace))).toBe(false);
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses ephemeral together with a schema', async () => {
    await expect(createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), schema: 'x', ephemeral: true })).rejects.toThrow(
      /either `schema` or `ephemeral`/,
    );
  });

  it.skipIf(!pgUp.available)('creates a private PostgreSQL schema, usable by other stores, and drops it on close', async () => {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      const exists = async (schema: string) => (await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema])).rowCount === 1;
      const [a, b] = await Promise.all([0, 1].map(() => createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), ephemeral: true })));
      expect(a!.namespace).toMatch(new RegExp(`^flowscope_tmp_${process.pid}_`));
      expect(a!.namespace).not.toBe(b!.namespace);
      expect([await exists(a!.namespace), await exists(b!.namespace)]).toEqual([true, true]);
      expect((await admin.query(`SELECT version FROM "${a!.namespace}".schema_migrations`)).rowCount).toBeGreaterThan(0);
      const peer = await createStore({ databaseUrl: TEST_DATABASE_URL, dataDir: os.tmpdir(), schema: a!.namespace });
      expect(await peer.listThreads('nobody', 10)).toEqual([]);
      await peer.close();
      await a!.close();
      expect([await exists(a!.namespace), await exists(b!.namespace)]).toEqual([false, true]);
      await b!.close();
      expect(await exists(b!.namespace)).toBe(false);
    } finally {
      await admin.end();
    }
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
