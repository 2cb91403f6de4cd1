/** scripts/find-browser.ts: which browser `npm run e2e` uses, and the one line it prints. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBrowser, findInstalledBrowser, HOW_TO_GET_ONE } from './find-browser.ts';

const root = path.resolve(import.meta.dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-browser-'));
function executable(name: string, mode = 0o755): string {
  const dir = fs.mkdtempSync(path.join(tmp, 'bin-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode });
  return file;
}
const nothing = { candidates: [], pathNames: ['chromium'], playwrightPath: null };

describe('find-browser', () => {
  it('uses CHROMIUM_PATH first, and says so when it names no executable', () => {
    const chrome = executable('my-chrome');
    expect(findInstalledBrowser({ ...nothing, env: { CHROMIUM_PATH: chrome } })).toEqual({ path: chrome, source: 'CHROMIUM_PATH' });
    const notExecutable = executable('plain-file', 0o644);
    expect(findInstalledBrowser({ ...nothing, env: { CHROMIUM_PATH: notExecutable } })?.error).toMatch(/is not an executable file/);
    expect(findInstalledBrowser({ ...nothing, env: { CHROMIUM_PATH: path.join(tmp, 'missing') } })?.error).toMatch(/CHROMIUM_PATH=.*missing/);
  });

  it("finds an installed browser at a known path, then on PATH, then Playwright's own", () => {
    const known = executable('chromium');
    expect(findInstalledBrowser({ ...nothing, candidates: ['/definitely/not/here', known], env: {} })).toEqual({ path: known, source: 'installed browser' });
    const onPath = executable('chromium');
    expect(findInstalledBrowser({ ...nothing, env: { PATH: `/definitely/not/here${path.delimiter}${path.dirname(onPath)}` } })).toEqual({
      path: onPath,
      source: 'installed browser',
    });
    const playwrights = executable('chrome');
    expect(findInstalledBrowser({ ...nothing, playwrightPath: playwrights, env: { PATH: '' } })).toEqual({
      path: playwrights,
      source: "Playwright's Chromium",
    });
  });

  it('with nothing found and installs off, fails with one line that says how to get one', () => {
    expect(findInstalledBrowser({ ...nothing, env: { PATH: '' } })).toBeNull();
    expect(chooseBrowser({ env: { PATH: '', FLOWSCOPE_BROWSER_INSTALL: '0' }, find: nothing })).toEqual({ error: HOW_TO_GET_ONE });
    expect(HOW_TO_GET_ONE).not.toContain('\n');
  });

  it('as a command: one line naming what it uses, exit 0; a bad CHROMIUM_PATH is one line and exit 1', () => {
    const chrome = executable('chromium');
    const record = path.join(tmp, 'record.json');
    const tsx = path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const ok = spawnSync(process.execPath, [tsx, path.join(root, 'scripts/find-browser.ts')], {
      env: { ...process.env, CHROMIUM_PATH: chrome, FLOWSCOPE_BROWSER_RECORD: record },
      encoding: 'utf8',
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`e2e: using CHROMIUM_PATH: ${chrome}\n`);
    expect(JSON.parse(fs.readFileSync(record, 'utf8'))).toEqual({ path: chrome, source: 'CHROMIUM_PATH' });
    const bad = spawnSync(process.execPath, [tsx, path.join(root, 'scripts/find-browser.ts')], {
      env: { ...process.env, CHROMIUM_PATH: path.join(tmp, 'nope'), FLOWSCOPE_BROWSER_RECORD: record },
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
