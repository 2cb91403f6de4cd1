/** /api/scenarios/:id/snapshots/:name against the real server: read, accept for a saved scenario, built-ins read-only, bad input refused with its code. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { librarySnapshotStore, SnapshotApiError, writeLibrarySnapshot } from '../../scenario/snapshot-rest.ts';
import { snapshotText } from '../../scenario/trace-snapshot.ts';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.ts';

const YAML = 'flowscope: 1\nname: Flow\nusers:\n  a: {}\nsteps:\n  - connect: a\n';
const SNAP = snapshotText({ flowscope_snapshot: 1, scenario: 'Flow', name: 'one', events: [{ seq: 1, type: 'agent_started' }] });

let h: TestBackend;
let builtinDir: string;
let savedId: string;

beforeAll(async () => {
  builtinDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-snap-pack-'));
  fs.mkdirSync(path.join(builtinDir, 'golden', '__snapshots__'), { recursive: true });
  fs.writeFileSync(path.join(builtinDir, 'golden', 'flow.yaml'), YAML);
  fs.writeFileSync(path.join(builtinDir, 'golden', '__snapshots__', 'flow.one.json'), SNAP);
  h = await startTestBackend({ scenarioDir: builtinDir });
  const res = await fetch(`${h.backend.url}/api/scenarios`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: YAML.replace('Flow', 'Mine') }),
  });
  savedId = ((await res.json()) as { scenario: { id: string } }).scenario.id;
});
afterAll(async () => {
  await h?.close();
  fs.rmSync(builtinDir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<SnapshotApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SnapshotApiError)) throw new Error(`expected a SnapshotApiError, got ${String(err)}`);
  return err;
}

describe('snapshot routes', () => {
  it("reads a built-in scenario's snapshot beside its file, and refuses to write it", async () => {
    const store = librarySnapshotStore(h.backend.url, 'golden/flow');
    expect(await store.read('one')).toBe(SNAP);
    expect(await store.read('two')).toBeUndefined();
    expect(store.location('one')).toBe('golden/__snapshots__/flow.one.json');
    const err = await refusal(store.write('one', SNAP));
    expect([err.status, err.code]).toEqual([403, 'FORBIDDEN']);
    expect(err.message).toMatch(/read-only/);
    expect(fs.readFileSync(path.join(builtinDir, 'golden', '__snapshots__', 'flow.one.json'), 'utf8')).toBe(SNAP);
  });

  it('accepts a snapshot for a saved scenario into DATA_DIR/scenarios/__snapshots__', async () => {
    expect(await writeLibrarySnapshot(h.backend.url, savedId, 'one', SNAP)).toBe(`__snapshots__/${savedId}.one.json`);
    expect(fs.readFileSync(path.join(h.dataDir, 'scenarios', '__snapshots__', `${savedId}.one.json`), 'utf8')).toBe(SNAP);
    expect(await librarySnapshotStore(h.backend.url, savedId).read('one')).toBe(SNAP);
  });

  it('refuses what is not a snapshot, a bad name and an unknown scenario, each with its code', async () => {
    const notSnapshot = await refusal(writeLibrarySnapshot(h.backend.url, savedId, 'one', '{"events": 3}'));
    expect([notSnapshot.status, notSnapshot.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(notSnapshot.message).toMatch(/not a Flowscope snapshot/);
    const badName = await refusal(writeLibrarySnapshot(h.backend.url, savedId, '.hidden', SNAP));
    expect([badName.status, badName.code]).toEqual([400, 'VALIDATION_FAILED']);
    const unknown = await refusal(librarySnapshotStore(h.backend.url, 'nope/none').read('one'));
    expect([unknown.status, unknown.code]).toEqual([404, 'NOT_FOUND']);
  });
});
