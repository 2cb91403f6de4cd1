import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createScenarioLibrary, isScenarioId, ScenarioLibraryError, slugify, type ScenarioLibrary } from './scenario-library.ts';

const VALID_YAML = `# a comment that survives saving
flowscope: 1
name: Complete flow
description: One message through the five events.
tags: [golden, smoke]
users:
  alice: {}
steps:
  - connect: alice
  - send: { as: alice, message: { type: user_message, payload: { content: "2 + 2" } } }
`;

const validJson = (name: string) =>
  JSON.stringify({ flowscope: 1, name, users: { bob: {} }, steps: [{ connect: 'bob' }, { sleep: 10 }] }, null, 2);

async function failure(p: Promise<unknown>): Promise<ScenarioLibraryError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ScenarioLibraryError) return err;
    throw err;
  }
  throw new Error('expected a ScenarioLibraryError');
}

let root: string;
let builtinDir: string;
let dataDir: string;
let lib: ScenarioLibrary;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-lib-'));
  builtinDir = path.join(root, 'builtin');
  dataDir = path.join(root, 'data');
  fs.mkdirSync(path.join(builtinDir, 'golden'), { recursive: true });
  fs.mkdirSync(path.join(builtinDir, 'edge', 'deep'), { recursive: true });
  fs.writeFileSync(path.join(builtinDir, 'golden', 'complete-flow.yaml'), VALID_YAML);
  fs.writeFileSync(path.join(builtinDir, 'edge', 'deep', 'Two Users.json'), validJson('Two users'));
  fs.writeFileSync(path.join(builtinDir, 'edge', 'broken.yml'), 'flowscope: 1\nname: Broken\nusers: {}\nsteps: []\n');
  fs.writeFileSync(path.join(builtinDir, 'README.md'), '# not a scenario');
  fs.writeFileSync(path.join(builtinDir, '.hidden.json'), validJson('hidden'));
  lib = createScenarioLibrary({ builtinDir, dataDir });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('ids', () => {
  it('accepts slugs with folders and refuses traversal and odd characters', () => {
    for (const ok of ['a', 'golden/complete-flow', 'x.y_z-1', 'a/b/c']) expect(isScenarioId(ok)).toBe(true);
    for (const bad of ['', '..', '../x', 'a/../b', 'a/..', '/a', 'a/', 'a//b', '.a', 'a/.b', 'A', 'a b', 'a\\b', 'a%2f', 'x'.repeat(201)]) {
      expect(isScenarioId(bad), bad).toBe(false);
    }
  });

  it('slugifies names', () => {
    expect(slugify('My Flow: v2!')).toBe('my-flow-v2');
    expect(slugify('Ärger über Café')).toBe('arger-uber-cafe');
    expect(slugify('***')).toBe('scenario');
  });
});

describe('list and get', () => {
  it('lists built-in files recursively with ids from their paths, validity and metadata', async () => {
    const list = await lib.list();
    expect(list.map((s) => s.id).sort()).toEqual(['edge/broken', 'edge/deep/two-users', 'golden/complete-flow']);
    const golden = list.find((s) => s.id === 'golden/complete-flow');
    expect(golden).toMatchObject({
      name: 'Complete flow',
      tags: ['golden', 'smoke'],
      description: 'One message through the five events.',
      source: 'builtin',
      file: 'golden/complete-flow.yaml',
      format: 'yaml',
      valid: true,
    });
    expect(golden).not.toHaveProperty('text');
    expect(golden).not.toHaveProperty('issues');
    const broken = list.find((s) => s.id === 'edge/broken');
    expect(broken?.valid).toBe(false);
    expect(broken?.issues?.map((i) => i.path)).toEqual(expect.arrayContaining(['users', 'steps']));
    expect(list.find((s) => s.id === 'edge/deep/two-users')).toMatchObject({ file: 'edge/deep/Two Users.json', format: 'json', valid: true });
  });

  it('gets the text of a scenario', async () => {
    const doc = await lib.get('golden/complete-flow');
    expect(doc).toMatchObject({ id: 'golden/complete-flow', source: 'builtin', format: 'yaml', text: VALID_YAML, valid: true });
    expect((await failure(lib.get('golden/nope'))).code).toBe('NOT_FOUND');
    expect((await failure(lib.get('../builtin/golden/complete-flow'))).code).toBe('VALIDATION_FAILED');
  });

  it('works without a built-in folder, or with a missing one', async () => {
    expect(await createScenarioLibrary({ dataDir }).list()).toEqual([]);
    expect(await createScenarioLibrary({ dataDir, builtinDir: path.join(root, 'absent') }).list()).toEqual([]);
  });

  it('keeps both files when two differ only by extension', async () => {
    fs.writeFileSync(path.join(builtinDir, 'golden', 'complete-flow.json'), validJson('As JSON'));
    const ids = (await lib.list()).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['golden/complete-flow', 'golden/complete-flow.yaml']));
  });
});

describe('save and remove', () => {
  it('saves YAML as-is (comments kept) under a new id from the name, atomically', async () => {
    const { scenario, created } = await lib.save(undefined, VALID_YAML.replace('Complete flow', 'My Flow!'), 'yaml');
    expect(created).toBe(true);
    expect(scenario).toMatchObject({ id: 'my-flow', source: 'saved', format: 'yaml', file: 'my-flow.yaml', valid: true });
    const onDisk = fs.readFileSync(path.join(dataDir, 'scenarios', 'my-flow.yaml'), 'utf8');
    expect(onDisk).toContain('# a comment that survives saving');
    expect(fs.readdirSync(path.join(dataDir, 'scenarios'))).toEqual(['my-flow.yaml']); // no temp file left
    expect((await lib.get('my-flow')).text).toBe(onDisk);
  });

  it('never takes a built-in or existing id for a new scenario', async () => {
    fs.writeFileSync(path.join(builtinDir, 'complete-flow.yaml'), VALID_YAML);
    const first = await lib.save(undefined, VALID_YAML, 'yaml');
    const second = await lib.save(undefined, VALID_YAML, 'yaml');
    expect([first.scenario.id, second.scenario.id]).toEqual(['complete-flow-2', 'complete-flow-3']);
  });

  it('saves JSON under a given id with folders, replaces it, and switches format', async () => {
    const a = await lib.save('mine/flow', validJson('Mine'), 'json');
    expect(a).toMatchObject({ created: true, scenario: { id: 'mine/flow', file: 'mine/flow.json', format: 'json' } });
    const b = await lib.save('mine/flow', validJson('Mine again'), 'json');
    expect(b).toMatchObject({ created: false, scenario: { name: 'Mine again' } });
    const c = await lib.save('mine/flow', VALID_YAML, 'yaml');
    expect(c).toMatchObject({ created: false, scenario: { file: 'mine/flow.yaml', format: 'yaml' } });
    expect(fs.readdirSync(path.join(dataDir, 'scenarios', 'mine'))).toEqual(['flow.yaml']);
    const list = await lib.list();
    expect(list.filter((s) => s.source === 'saved').map((s) => s.id)).toEqual(['mine/flow']);
  });

  it('refuses invalid text with every issue and writes nothing', async () => {
    const bad = await failure(lib.save('bad', 'flowscope: 1\nname: x\nusers: { a: {} }\nsteps:\n  - send: { as: ghost, raw: "x" }\n', 'yaml'));
    expect(bad.code).toBe('VALIDATION_FAILED');
    expect(bad.issues).toEqual([{ path: 'steps[0].send', message: expect.stringContaining('"ghost"') }]);
    const syntax = await failure(lib.save('bad', 'a: [1, 2', 'yaml'));
    expect(syntax.issues?.[0]?.path).toMatch(/^line \d+:\d+$/);
    const json = await failure(lib.save('bad', '{"flowscope": 1,', 'json'));
    expect(json.issues?.[0]).toMatchObject({ path: '(document)', message: expect.stringContaining('not valid JSON') });
    const notObject = await failure(lib.save('bad', '[1]', 'json'));
    expect(notObject.code).toBe('VALIDATION_FAILED');
    expect((await failure(lib.save('bad', VALID_YAML, 'xml' as 'yaml'))).code).toBe('VALIDATION_FAILED');
    expect(fs.existsSync(path.join(dataDir, 'scenarios'))).toBe(false);
  });

  it('refuses to overwrite or delete a built-in, and bad ids', async () => {
    expect((await failure(lib.save('golden/complete-flow', VALID_YAML, 'yaml'))).code).toBe('FORBIDDEN');
    expect((await failure(lib.remove('golden/complete-flow'))).code).toBe('FORBIDDEN');
    for (const id of ['../escape', 'a/../../b', '/etc/passwd', 'a\\..\\b']) {
      expect((await failure(lib.save(id, VALID_YAML, 'yaml'))).code).toBe('VALIDATION_FAILED');
      expect((await failure(lib.remove(id))).code).toBe('VALIDATION_FAILED');
    }
    expect(fs.existsSync(path.join(root, 'escape.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(builtinDir, 'golden', 'complete-flow.yaml'), 'utf8')).toBe(VALID_YAML);
  });

  it('refuses oversized text', async () => {
    const huge = `${VALID_YAML}\n# ${'x'.repeat(1024 * 1024)}`;
    expect((await failure(lib.save('huge', huge, 'yaml'))).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('removes saved scenarios with their results', async () => {
    await lib.save('gone', VALID_YAML, 'yaml');
    await lib.save('gone/child', VALID_YAML, 'yaml');
    await lib.saveResult('gone', { status: 'passed' });
    await lib.saveResult('gone/child', { status: 'failed' });
    await lib.remove('gone');
    expect((await failure(lib.get('gone'))).code).toBe('NOT_FOUND');
    expect((await failure(lib.remove('gone'))).code).toBe('NOT_FOUND');
    // the nested id keeps its file and its results
    expect((await lib.listResults('gone/child')).map((r) => r.status)).toEqual(['failed']);
    expect((await failure(lib.remove('never-was'))).code).toBe('NOT_FOUND');
  });
});

describe('results', () => {
  it('stores results newest first with their summary, and reads them back', async () => {
    let t = Date.parse('2025-03-01T10:00:00.000Z');
    const timed = createScenarioLibrary({ builtinDir, dataDir, now: () => t });
    const first = await timed.saveResult('golden/complete-flow', { status: 'passed', started_at: '2025-03-01T09:59:59.000Z', duration_ms: 120, steps: [] });
    expect(first).toEqual({ result_id: '2025-03-01T10-00-00-000Z', started_at: '2025-03-01T09:59:59.000Z', status: 'passed', duration_ms: 120 });
    // the same millisecond still gets a new, later id
    const second = await timed.saveResult('golden/complete-flow', JSON.stringify({ summary: { failed: 1 } }));
    expect(second).toEqual({ result_id: '2025-03-01T10-00-00-001Z', started_at: '2025-03-01T10:00:00.001Z', status: 'failed', duration_ms: null });
    t += 5000;
    const third = await timed.saveResult('golden/complete-flow', {});
    expect(third.status).toBe('unknown');
    expect((await timed.listResults('golden/complete-flow')).map((r) => r.result_id)).toEqual([third.result_id, second.result_id, first.result_id]);
    expect(fs.existsSync(path.join(dataDir, 'scenario-results', 'golden', 'complete-flow', `${first.result_id}.json`))).toBe(true);
    const got = await timed.getResult('golden/complete-flow', first.result_id);
    expect(got).toMatchObject({ ...first, result: { status: 'passed', duration_ms: 120, steps: [] } });
    // a fresh library (no cache) reads the same summaries from the files
    expect(await createScenarioLibrary({ builtinDir, dataDir }).listResults('golden/complete-flow')).toEqual(await timed.listResults('golden/complete-flow'));
  });

  it('keeps the newest 20', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await lib.saveResult('golden/complete-flow', { status: 'passed', n: i })).result_id);
    const listed = await lib.listResults('golden/complete-flow');
    expect(listed).toHaveLength(20);
    expect(listed.map((r) => r.result_id)).toEqual(ids.slice(3).reverse());
    expect(fs.readdirSync(path.join(dataDir, 'scenario-results', 'golden', 'complete-flow'))).toHaveLength(20);
    expect((await failure(lib.getResult('golden/complete-flow', ids[0] as string))).code).toBe('NOT_FOUND');
    expect((await lib.getResult('golden/complete-flow', ids[22] as string)).result).toMatchObject({ n: 22 });
  });

  it('refuses results that are too big, not objects, not JSON, or for unknown scenarios', async () => {
    const small = createScenarioLibrary({ builtinDir, dataDir, maxResultBytes: 100 });
    expect((await failure(small.saveResult('golden/complete-flow', { pad: 'x'.repeat(200) }))).code).toBe('MESSAGE_TOO_LARGE');
    expect((await failure(lib.saveResult('golden/complete-flow', '[1, 2]'))).code).toBe('VALIDATION_FAILED');
    expect((await failure(lib.saveResult('golden/complete-flow', '{nope'))).code).toBe('INVALID_JSON');
    expect((await failure(lib.saveResult('golden/nope', {}))).code).toBe('NOT_FOUND');
    expect((await failure(lib.listResults('golden/nope'))).code).toBe('NOT_FOUND');
    expect((await failure(lib.getResult('golden/complete-flow', '../../etc/passwd'))).code).toBe('NOT_FOUND');
    expect(await lib.listResults('golden/complete-flow')).toEqual([]);
  });
});

describe('scenario library under concurrency and YAML features', () => {
  it('two saves of the same name at once get two ids; nothing is lost', async () => {
    const [a, b] = await Promise.all([lib.save(undefined, validJson('Same name'), 'json'), lib.save(undefined, validJson('Same name'), 'json')]);
    expect(new Set([a.scenario.id, b.scenario.id])).toEqual(new Set(['same-name', 'same-name-2']));
    expect((await lib.list()).filter((s) => s.name === 'Same name')).toHaveLength(2);
  });

  it('YAML merge keys work as in the CLI', async () => {
    const ok = 'flowscope: 1\nname: Merged\nusers: { a: {} }\nsteps:\n  - connect: a\n  - send: &s { as: a, raw: "{bad", expect: { error: INVALID_JSON } }\n  - send: { <<: *s, raw: "{worse" }\n';
    expect((await lib.save(undefined, ok, 'yaml')).scenario.valid).toBe(true);
  });
});

