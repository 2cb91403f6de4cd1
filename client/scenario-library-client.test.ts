import { describe, expect, it } from 'vitest';
import { ApiError } from './rest-client.ts';
import { createScenarioLibraryClient, ScenarioLibraryApiError } from './scenario-library-client.ts';

interface Call {
  url: string;
  method: string;
  body: unknown;
}

function fakeFetch(answer: (call: Call) => { status: number; body: unknown }) {
  const calls: Call[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = { url: String(input), method: init?.method ?? 'GET', body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const { status, body } = answer(call);
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  }) as typeof fetch;
  return { calls, impl };
}

const doc = {
  id: 'golden/complete-flow',
  name: 'Complete',
  tags: [],
  source: 'builtin',
  file: 'golden/complete-flow.yaml',
  format: 'yaml',
  updated_at: '',
  valid: true,
  text: 'x',
};

describe('scenario library client', () => {
  it('encodes ids as one path segment and unwraps the bodies', async () => {
    const { calls, impl } = fakeFetch((c) => {
      if (c.url.endsWith('/results') && c.method === 'POST')
        return { status: 201, body: { result: { result_id: 'r1', started_at: '', status: 'passed', duration_ms: 5 } } };
      if (c.url.endsWith('/results')) return { status: 200, body: { results: [] } };
      if (c.url.includes('/results/')) return { status: 200, body: { result_id: 'r1', started_at: '', status: 'passed', duration_ms: 5, result: { a: 1 } } };
      if (c.url.endsWith('/api/scenarios')) return c.method === 'GET' ? { status: 200, body: { scenarios: [doc] } } : { status: 201, body: { scenario: doc } };
      if (c.method === 'DELETE') return { status: 200, body: { id: 'x', deleted: true } };
      return { status: 200, body: { scenario: doc } };
    });
    const client = createScenarioLibraryClient('http://h:1/', impl);
    expect(await client.list()).toEqual([doc]);
    expect((await client.get('golden/complete-flow')).text).toBe('x');
    await client.create('flowscope: 1', 'yaml');
    await client.update('mine', '{}', 'json');
    await client.remove('mine');
    expect(await client.listResults('golden/complete-flow')).toEqual([]);
    expect((await client.saveResult('golden/complete-flow', { status: 'passed' })).result_id).toBe('r1');
    expect((await client.getResult('golden/complete-flow', 'r1')).result).toEqual({ a: 1 });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET http://h:1/api/scenarios',
      'GET http://h:1/api/scenarios/golden%2Fcomplete-flow',
      'POST http://h:1/api/scenarios',
      'PUT http://h:1/api/scenarios/mine',
      'DELETE http://h:1/api/scenarios/mine',
      'GET http://h:1/api/scenarios/golden%2Fcomplete-flow/results',
      'POST http://h:1/api/scenarios/golden%2Fcomplete-flow/results',
      'GET http://h:1/api/scenarios/golden%2Fcomplete-flow/results/r1',
    ]);
    expect(calls[2]!.body).toEqual({ text: 'flowscope: 1', format: 'yaml' });
    expect(calls[6]!.body).toEqual({ status: 'passed' });
  });

  it('throws the error code, message and validation issues', async () => {
    const { impl } = fakeFetch(() => ({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'The scenario is invalid (1 issue).', details: [{ path: 'steps', message: 'required' }] } },
    }));
    const err = await createScenarioLibraryClient('http://h:1', impl)
      .create('x', 'yaml')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScenarioLibraryApiError);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', issues: [{ path: 'steps', message: 'required' }] });
  });
});
