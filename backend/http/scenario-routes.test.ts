/** /api/scenarios against the real server on an ephemeral port, with a temporary built-in pack. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBackend, type TestBackend } from '../../test/support/test-backend.ts';

const YAML = `flowscope: 1
name: Complete flow
tags: [golden]
users:
  alice: {}
steps:
  - connect: alice
  - send: { as: alice, message: { type: user_message, payload: { content: "2 + 2" } } }
`;
const json = (name: string) => JSON.stringify({ flowscope: 1, name, users: { bob: {} }, steps: [{ connect: 'bob' }] });

let h: TestBackend;
let builtinDir: string;
let base: string;

async function call(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${pathAndQuery}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const enc = encodeURIComponent;

let sandboxDir: string;

beforeAll(async () => {
  builtinDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-pack-'));
  fs.mkdirSync(path.join(builtinDir, 'golden'));
  fs.writeFileSync(path.join(builtinDir, 'golden', 'complete-flow.yaml'), YAML);
  fs.writeFileSync(path.join(builtinDir, 'two.json'), json('Two'));
  // The data folder sits two levels inside a folder of its own, so a traversal that escaped
  // it would land where the test can see it (and not in a shared /tmp).
  sandboxDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-sandbox-'));
  fs.mkdirSync(path.join(sandboxDir, 'outer', 'data'), { recursive: true });
  h = await startTestBackend({ scenarioDir: builtinDir, dataDir: path.join(sandboxDir, 'outer', 'data') });
  base = `http://127.0.0.1:${h.backend.port}`;
});

afterAll(async () => {
  await h.close();
  fs.rmSync(builtinDir, { recursive: true, force: true });
  fs.rmSync(sandboxDir, { recursive: true, force: true });
});

describe('/api/scenarios on a loopback server', () => {
  it('lists the built-in pack without a token', async () => {
    const res = await call('GET', '/api/scenarios');
    expect(res.status).toBe(200);
    const ids = (res.body.scenarios as Array<{ id: string }>).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['golden/complete-flow', 'two']));
    expect(res.body.scenarios.find((s: { id: string }) => s.id === 'golden/complete-flow')).toMatchObject({
      name: 'Complete flow',
      tags: ['golden'],
      source: 'builtin',
      file: 'golden/complete-flow.yaml',
      format: 'yaml',
      valid: true,
    });
  });

  it('gets a scenario by its id as one encoded segment', async () => {
    const res = await call('GET', `/api/scenarios/${enc('golden/complete-flow')}`);
    expect(res.status).toBe(200);
    expect(res.body.scenario).toMatchObject({ id: 'golden/complete-flow', text: YAML, format: 'yaml', source: 'builtin' });
    const unencoded = await call('GET', '/api/scenarios/golden/complete-flow');
    expect(unencoded.status).toBe(404);
    expect(unencoded.body.error.message).toContain('URL-encoded');
    expect((await call('GET', `/api/scenarios/${enc('golden/none')}`)).body.error.code).toBe('NOT_FOUND');
  });

  it('saves YAML (POST, id from the name) and JSON (PUT), then lists and deletes them', async () => {
    const created = await call('POST', '/api/scenarios', { text: YAML.replace('Complete flow', 'Mine, in YAML!'), format: 'yaml' });
    expect(created.status).toBe(201);
    expect(created.body.scenario).toMatchObject({ id: 'mine-in-yaml', source: 'saved', format: 'yaml', valid: true });
    expect(fs.existsSync(path.join(h.dataDir, 'scenarios', 'mine-in-yaml.yaml'))).toBe(true);

    const put = await call('PUT', `/api/scenarios/${enc('team/json-one')}`, { text: json('JSON one'), format: 'json' });
    expect(put.status).toBe(201);
    expect(put.body.scenario).toMatchObject({ id: 'team/json-one', format: 'json', name: 'JSON one' });
    const replaced = await call('PUT', `/api/scenarios/${enc('team/json-one')}`, { text: json('JSON one, again') });
    expect(replaced.status).toBe(200);
    expect(replaced.body.scenario.name).toBe('JSON one, again');

    const list = (await call('GET', '/api/scenarios')).body.scenarios as Array<{ id: string; source: string }>;
    expect(
      list
        .filter((s) => s.source === 'saved')
        .map((s) => s.id)
        .sort(),
    ).toEqual(['mine-in-yaml', 'team/json-one']);

    // without a format, flow-style YAML that starts with `{` is YAML, not broken JSON
    const flow = await call('POST', '/api/scenarios', { text: '{flowscope: 1, name: Flow style, users: {a: {}}, steps: [{connect: a}]}' });
    expect(flow.body.scenario).toMatchObject({ id: 'flow-style', format: 'yaml', valid: true });
    await call('DELETE', `/api/scenarios/flow-style`);

    // a copy of a built-in: POST its text, it gets a new id
    const copy = await call('POST', '/api/scenarios', { text: YAML, format: 'yaml' });
    expect(copy.body.scenario.id).toBe('complete-flow');

    for (const id of ['mine-in-yaml', 'team/json-one', 'complete-flow']) {
      const del = await call('DELETE', `/api/scenarios/${enc(id)}`);
      expect(del).toEqual({ status: 200, body: { id, deleted: true } });
    }
    expect((await call('GET', '/api/scenarios/mine-in-yaml')).status).toBe(404);
    expect((await call('DELETE', '/api/scenarios/mine-in-yaml')).body.error.code).toBe('NOT_FOUND');
  });

  it('refuses invalid scenarios with their issues', async () => {
    const res = await call('PUT', '/api/scenarios/bad', { text: 'flowscope: 1\nname: Bad\nusers: {}\nsteps:\n  - fly: away\n', format: 'yaml' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: 'users', message: expect.any(String) },
        { path: 'steps[0]', message: expect.stringContaining('unknown step "fly"') },
      ]),
    );
    const syntax = await call('POST', '/api/scenarios', { text: '{"flowscope": 1', format: 'json' });
    expect(syntax.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: '(document)' }] });
    expect((await call('POST', '/api/scenarios', { format: 'yaml' })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/api/scenarios', { text: YAML, format: 'toml' })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await call('POST', '/api/scenarios', '{not json')).body.error.code).toBe('INVALID_JSON');
    expect((await call('GET', '/api/scenarios/bad')).status).toBe(404);
  });

  it('never writes a built-in', async () => {
    const put = await call('PUT', `/api/scenarios/${enc('golden/complete-flow')}`, { text: json('Hijack'), format: 'json' });
    expect(put.status).toBe(403);
    expect(put.body.error.code).toBe('FORBIDDEN');
    expect((await call('DELETE', `/api/scenarios/${enc('golden/complete-flow')}`)).status).toBe(403);
    expect(fs.readFileSync(path.join(builtinDir, 'golden', 'complete-flow.yaml'), 'utf8')).toBe(YAML);
  });

  it('refuses a request addressed to a foreign Host (DNS rebinding), for the library and the dev token', async () => {
    const { request } = await import('node:http');
    const statusFor = (pathName: string, method = 'GET') =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: h.backend.port, path: pathName, method, headers: { host: `evil.example:${h.backend.port}` } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(method === 'POST' ? '{"user_id":"x"}' : undefined);
      });
    expect(await statusFor('/api/scenarios')).toBe(403);
    expect(await statusFor('/api/dev/token', 'POST')).toBe(403);
    // every spelling of the path that routes to the dev token endpoint is refused the same way
    for (const spelling of ['/api//dev/token', '/api/dev/%74oken', '/api/dev/token/']) expect(await statusFor(spelling, 'POST'), spelling).toBe(403);
    expect(await statusFor('/health')).toBe(200);
    expect((await call('GET', '/api/scenarios', undefined, { host: `localhost:${h.backend.port}` })).status).toBe(200);
  });

  it('refuses path traversal', async () => {
    for (const id of ['../../etc/passwd', '..%2F..', 'a/../../b', '.hidden', 'A/B', 'x\\..\\y']) {
      const res = await call('PUT', `/api/scenarios/${enc(id)}`, { text: YAML, format: 'yaml' });
      expect(res.status, id).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect((await call('GET', `/api/scenarios/${enc(id)}/results`)).status).toBe(400);
    }
    // dot segments in the path are resolved by URL parsing and never reach the library
    expect((await call('PUT', '/api/scenarios/..', { text: YAML })).body.error.code).toBe('NOT_FOUND'); // that is PUT /api: no such endpoint
    expect((await call('GET', '/api/scenarios/%2e%2e/%2e%2e/health')).body).toMatchObject({ status: 'ok' }); // that is GET /health
    expect((await call('GET', '/api/scenarios/%E0%A4%A')).body.error.code).toBe('VALIDATION_FAILED');
    const written = fs.readdirSync(sandboxDir, { recursive: true, encoding: 'utf8' }).filter((f) => !f.startsWith(path.join('outer', 'data')) && f !== 'outer');
    expect(written).toEqual([]);
  });

  it('keeps run results: round trip, newest first, capped at 20', async () => {
    const id = enc('golden/complete-flow');
    const first = await call('POST', `/api/scenarios/${id}/results`, {
      status: 'passed',
      started_at: '2025-01-01T00:00:00.000Z',
      duration_ms: 42,
      steps: [{ id: '1' }],
    });
    expect(first.status).toBe(201);
    expect(first.body.result).toMatchObject({ status: 'passed', started_at: '2025-01-01T00:00:00.000Z', duration_ms: 42 });
    const resultId = first.body.result.result_id as string;

    const one = await call('GET', `/api/scenarios/${id}/results/${resultId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      result_id: resultId,
      started_at: '2025-01-01T00:00:00.000Z',
      status: 'passed',
      duration_ms: 42,
      result: { status: 'passed', started_at: '2025-01-01T00:00:00.000Z', duration_ms: 42, steps: [{ id: '1' }] },
    });

    const ids = [resultId];
    for (let i = 0; i < 21; i++) {
      const r = await call('POST', `/api/scenarios/${id}/results`, { status: i % 2 ? 'failed' : 'passed', duration_ms: i });
      ids.push(r.body.result.result_id as string);
    }
    const list = await call('GET', `/api/scenarios/${id}/results`);
    expect(list.body.results).toHaveLength(20);
    expect(list.body.results.map((r: { result_id: string }) => r.result_id)).toEqual(ids.slice(2).reverse());
    expect(list.body.results[0]).toMatchObject({ status: 'passed', duration_ms: 20 });
    expect((await call('GET', `/api/scenarios/${id}/results/${resultId}`)).body.error.code).toBe('NOT_FOUND');
    expect((await call('GET', `/api/scenarios/${id}/results/nope`)).status).toBe(404);
    expect((await call('POST', `/api/scenarios/${enc('golden/none')}/results`, { status: 'passed' })).status).toBe(404);
    expect((await call('POST', `/api/scenarios/${id}/results`, [1, 2])).body.error.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a result over 5 MB with MESSAGE_TOO_LARGE', async () => {
    const big = JSON.stringify({ status: 'passed', pad: 'x'.repeat(5 * 1024 * 1024) });
    const res = await call('POST', `/api/scenarios/${enc('two')}/results`, big);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('MESSAGE_TOO_LARGE');
    // a 4 MB result is fine
    const ok = await call('POST', `/api/scenarios/${enc('two')}/results`, { status: 'passed', pad: 'x'.repeat(4 * 1024 * 1024) });
    expect(ok.status).toBe(201);
  });

  it('answers wrong methods with 405 and refuses foreign browser origins', async () => {
    expect((await call('PATCH', '/api/scenarios/two')).status).toBe(405);
    expect((await call('DELETE', '/api/scenarios')).status).toBe(405);
    for (const [method, p, allow] of [
      ['PATCH', '/api/scenarios/two', 'GET, PUT, DELETE'],
      ['DELETE', '/api/scenarios', 'GET, POST'],
      ['PUT', `/api/scenarios/${enc('golden/complete-flow')}/results`, 'GET, POST'],
      ['POST', '/api/scenarios/two/results/2030-01-01T00-00-00-000Z', 'GET'],
    ] as const) {
      const res = await fetch(`${base}${p}`, { method });
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ method, p, status: res.status, allow: res.headers.get('allow'), code: body.error.code }).toEqual({
        method,
        p,
        status: 405,
        allow,
        code: 'METHOD_NOT_ALLOWED',
      });
    }
    // A path that exists under no method is a 404, not a 405.
    expect((await call('PATCH', '/api/scenarios/two/other')).body.error.code).toBe('NOT_FOUND');
    const foreign = await call('POST', '/api/scenarios', { text: YAML, format: 'yaml' }, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const preflight = await fetch(`${base}/api/scenarios/two`, { method: 'OPTIONS', headers: { origin: base, 'access-control-request-method': 'PUT' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('PUT');
  });
});

describe('/api/scenarios on a non-loopback server', () => {
  let wide: TestBackend;
  beforeAll(async () => {
    wide = await startTestBackend({ host: '0.0.0.0', scenarioDir: builtinDir });
  });
  afterAll(async () => {
    await wide.close();
  });

  it('answers 403 FORBIDDEN to every route', async () => {
    const url = `http://127.0.0.1:${wide.backend.port}`;
    for (const [method, p] of [
      ['GET', '/api/scenarios'],
      ['GET', '/api/scenarios/two'],
      ['PUT', '/api/scenarios/two'],
      ['DELETE', '/api/scenarios/two'],
      ['GET', '/api/scenarios/two/results'],
    ] as const) {
      const res = await fetch(`${url}${p}`, { method, ...(method === 'PUT' ? { body: JSON.stringify({ text: YAML }) } : {}) });
      expect(res.status, `${method} ${p}`).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
    }
  });
});
