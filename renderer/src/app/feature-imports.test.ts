/**
 * Every feature folder has an index.ts (its public surface), and importing it has no effect on
 * the browser: its stores read localStorage and the location when first read, not when their
 * module loads. So each feature's index loads in Node (no window, no localStorage), and a
 * feature's pure parts are tested through it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const featuresDir = path.resolve(import.meta.dirname, '../features');
const features = fs
  .readdirSync(featuresDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('feature indexes', () => {
  it('renderer/src holds only the app shell, the ui kit and the features', () => {
    const top = fs.readdirSync(path.resolve(featuresDir, '..'));
    expect(top.sort()).toEqual(['app', 'features', 'ui']);
  });

  it('lists the console features', () => {
    expect(features.sort()).toEqual(['composer', 'history', 'live-events', 'recording', 'scenarios', 'timeline', 'tools', 'users']);
  });

  it.each(features)(
    '%s/index.ts loads without a window or localStorage',
    async (feature) => {
      expect(typeof globalThis.window).toBe('undefined');
      expect(typeof globalThis.localStorage).toBe('undefined');
      const surface = (await import(pathToFileURL(path.join(featuresDir, feature, 'index.ts')).href)) as Record<string, unknown>;
      expect(Object.keys(surface).length).toBeGreaterThan(0);
    },
    60_000,
  );
});
