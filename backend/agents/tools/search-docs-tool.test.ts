import { describe, expect, it } from 'vitest';
import { DOCS_CORPUS } from './docs-corpus.ts';
import { createSearchDocsTool, type SearchDocsResult } from './search-docs-tool.ts';

const signal = new AbortController().signal;
const tool = createSearchDocsTool();

async function search(query: string, limit?: number): Promise<SearchDocsResult> {
  return (await tool.execute(limit === undefined ? { query } : { query, limit }, signal)) as SearchDocsResult;
}

async function topId(query: string): Promise<string | undefined> {
  return (await search(query)).hits[0]?.id;
}

describe('bundled corpus', () => {
  it('has 15-25 short docs with unique ids', () => {
    expect(DOCS_CORPUS.length).toBeGreaterThanOrEqual(15);
    expect(DOCS_CORPUS.length).toBeLessThanOrEqual(25);
    expect(new Set(DOCS_CORPUS.map((doc) => doc.id)).size).toBe(DOCS_CORPUS.length);
    for (const doc of DOCS_CORPUS) {
      expect(doc.title.length).toBeGreaterThan(0);
      expect(doc.text.length).toBeLessThan(600);
    }
  });
});

describe('search_docs tool', () => {
  it('is named search_docs', () => {
    expect(tool.name).toBe('search_docs');
  });

  it.each([
    ['How do I resume after a disconnect?', 'resume'],
    ['how do priorities work', 'priorities'],
    ['duplicate message_id', 'deduplication'],
    ['what does the scripted agent do', 'scripted-agent'],
    ['JWT token authentication', 'authentication'],
    ['what error codes exist', 'error-codes'],
    ['message too large 8192 bytes', 'size-limit'],
    ['cancel a run', 'cancel'],
    ['do queued runs survive a restart', 'restart-recovery'],
    ['which statuses can a run end with', 'run-status'],
    ['tool_completed duration_ms', 'run-events'],
    ['rate limited retry_after_ms', 'rate-limits'],
    ['health endpoint', 'http-api'],
    ['DATABASE_URL postgres', 'configuration'],
  ])('%s → %s', async (query, id) => {
    expect(await topId(query)).toBe(id);
  });

  it('returns { query, hits } with the default limit of 3', async () => {
    const result = await search('events of a run');
    expect(result.query).toBe('events of a run');
    expect(result.hits).toHaveLength(3);
    for (const hit of result.hits) {
      expect(Object.keys(hit).sort()).toEqual(['id', 'score', 'snippet', 'title']);
      expect(hit.score).toBeGreaterThan(0);
    }
    const scores = result.hits.map((hit) => hit.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('gives a snippet from the matching sentence', async () => {
    const [hit] = (await search('after_seq')).hits;
    expect(hit?.id).toBe('resume');
    expect(hit?.snippet).toContain('after_seq');
  });

  it('is deterministic', async () => {
    expect(await search('agent events order seq', 10)).toEqual(await search('agent events order seq', 10));
  });

  it('honours limit', async () => {
    expect((await search('agent', 1)).hits).toHaveLength(1);
    expect((await search('agent', 10)).hits.length).toBeGreaterThan(3);
  });

  it('returns no hits for a query without known words', async () => {
    expect((await search('what is it')).hits).toEqual([]);
    expect((await search('xylophone')).hits).toEqual([]);
  });

  it.each([
    [{}, "argument 'query' must be a string"],
    [{ query: '' }, "argument 'query' must not be empty"],
    [{ query: 'x', limit: 0 }, "argument 'limit' must be an integer from 1 to 10"],
    [{ query: 'x', limit: 2.5 }, "argument 'limit' must be an integer from 1 to 10"],
    [{ query: 'x', limit: '3' }, "argument 'limit' must be an integer from 1 to 10"],
  ])('rejects bad arguments %#', async (args, message) => {
    await expect(tool.execute(args, signal)).rejects.toThrow(message);
  });

  it('searches another corpus when given one', async () => {
    const custom = createSearchDocsTool({ corpus: [{ id: 'x', title: 'Zebra', text: 'Stripes.' }] });
    const result = (await custom.execute({ query: 'zebra' }, signal)) as SearchDocsResult;
    expect(result.hits.map((hit) => hit.id)).toEqual(['x']);
  });
});
