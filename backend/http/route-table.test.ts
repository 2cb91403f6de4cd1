import { describe, expect, it } from 'vitest';
import { RouteTable } from './route-table.ts';

const table = new RouteTable<string>()
  .add('GET', '/api/runs', 'list runs')
  .add('GET', '/api/runs/:runId', 'get run')
  .add('GET', '/api/runs/:runId/events', 'run events')
  .add('GET', '/api/scenarios/:id', 'get scenario')
  .add('put', '/api/scenarios/:id', 'save scenario')
  .add('DELETE', '/api/scenarios/:id', 'delete scenario')
  .add('GET', '/api/scenarios/:id/results/:resultId', 'get result');

describe('RouteTable', () => {
  it('matches by pattern and extracts the params (a param may hold a decoded "/")', () => {
    expect(table.match('GET', ['api', 'runs'])).toEqual({ kind: 'found', handler: 'list runs', params: {}, pattern: '/api/runs' });
    expect(table.match('GET', ['api', 'runs', 'run_1'])).toMatchObject({ handler: 'get run', params: { runId: 'run_1' } });
    expect(table.match('GET', ['api', 'runs', 'run_1', 'events'])).toMatchObject({ handler: 'run events', params: { runId: 'run_1' } });
    expect(table.match('GET', ['api', 'scenarios', 'golden/complete-flow', 'results', 'r1'])).toMatchObject({
      handler: 'get result',
      params: { id: 'golden/complete-flow', resultId: 'r1' },
    });
    expect(table.match('put', ['api', 'scenarios', 'x'])).toMatchObject({ handler: 'save scenario', params: { id: 'x' } });
  });

  it('a known path with another method is "method" with what it allows; an unknown path is "none"', () => {
    expect(table.match('PATCH', ['api', 'scenarios', 'x'])).toEqual({ kind: 'method', allow: ['GET', 'PUT', 'DELETE'] });
    expect(table.match('POST', ['api', 'runs', 'r', 'events'])).toEqual({ kind: 'method', allow: ['GET'] });
    expect(table.match('GET', ['api', 'runs', 'r', 'other'])).toEqual({ kind: 'none' });
    expect(table.match('GET', ['api'])).toEqual({ kind: 'none' });
    expect(table.match('POST', ['api', 'nothing'])).toEqual({ kind: 'none' });
  });

  it('refuses bad patterns and a route added twice', () => {
    expect(() => new RouteTable().add('GET', 'api/x', 1)).toThrow(/must start with "\/"/);
    expect(() => new RouteTable().add('GET', '/api/:a/:a', 1)).toThrow(/a parameter name twice/);
    expect(() => new RouteTable().add('GET', '/api/:', 1)).toThrow(/bad parameter name/);
    expect(() => new RouteTable().add('GET', '/a', 1).add('get', '/a', 2)).toThrow(/added twice/);
  });
});
