import { describe, expect, it } from 'vitest';
import { pendingMigrations, type StoreMigration } from './store-migrations.ts';

const migration = (version: number): StoreMigration => ({ version, name: `v${version}`, sql: '' });
const tooNew = (newest: number, known: number) => `at ${newest}, knows ${known}`;

describe('pendingMigrations', () => {
  it('returns the migrations not applied yet, in version order', () => {
    const all = [migration(3), migration(1), migration(2)];
    expect(pendingMigrations(all, [], tooNew).map((m) => m.version)).toEqual([1, 2, 3]);
    expect(pendingMigrations(all, [1, 3], tooNew).map((m) => m.version)).toEqual([2]);
    expect(pendingMigrations(all, new Set([1, 2, 3]), tooNew)).toEqual([]);
  });

  it('refuses a database at a version newer than every known migration', () => {
    expect(() => pendingMigrations([migration(1), migration(2)], [1, 2, 3], tooNew)).toThrow('at 3, knows 2');
  });
});
