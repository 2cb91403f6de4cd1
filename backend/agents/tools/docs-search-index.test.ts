import { describe, expect, it } from 'vitest';
import type { DocEntry } from './docs-corpus.ts';
import { bestSnippet, createDocsSearchIndex, stem, tokenize } from './docs-search-index.ts';

describe('tokenize', () => {
  it('lowercases, drops stop-words and folds plurals', () => {
    expect(tokenize('How do the Priorities work for Events?')).toEqual(['priority', 'work', 'event']);
  });

  it('keeps snake_case identifiers and their parts', () => {
    expect(tokenize('agent_started')).toEqual(['agent_started', 'agent', 'started']);
  });

  it('keeps numbers', () => {
    expect(tokenize('8192 bytes')).toEqual(['8192', 'byte']);
  });

  it('stems only plurals', () => {
    expect(['retries', 'limits', 'status', 'class', 'analysis', 'caches'].map(stem)).toEqual(['retry', 'limit', 'status', 'class', 'analysis', 'cache']);
  });
});

const docs: DocEntry[] = [
  { id: 'b-apples', title: 'Apples', text: 'Apples are red. Apples grow on trees. Some apples are green.' },
  { id: 'a-fruit', title: 'Fruit', text: 'Fruit includes apples and pears. Pears are sweet.' },
  { id: 'c-cars', title: 'Cars', text: 'Cars have wheels. Cars need fuel.' },
  { id: 'd-twin', title: 'Twin', text: 'Same words here.' },
  { id: 'e-twin', title: 'Twin', text: 'Same words here.' },
];

describe('createDocsSearchIndex', () => {
  const index = createDocsSearchIndex(docs);

  it('ranks the document about the term first', () => {
    const hits = index.search('apples', 5);
    expect(hits.map((hit) => hit.id)).toEqual(['b-apples', 'a-fruit']);
    expect(hits[0]?.score).toBeGreaterThan(hits[1]?.score ?? Infinity);
  });

  it('ranks rarer terms higher (idf)', () => {
    // "pears" appears in one doc, "apples" in two: the pear doc wins.
    expect(index.search('apples pears', 5)[0]?.id).toBe('a-fruit');
  });

  it('breaks ties by id, deterministically', () => {
    const hits = index.search('same words', 5);
    expect(hits.map((hit) => hit.id)).toEqual(['d-twin', 'e-twin']);
    expect(hits[0]?.score).toBe(hits[1]?.score);
    expect(index.search('same words', 5)).toEqual(hits);
  });

  it('returns nothing for stop-words only or unknown words', () => {
    expect(index.search('what is the', 5)).toEqual([]);
    expect(index.search('zebra', 5)).toEqual([]);
  });

  it('honours the limit', () => {
    expect(index.search('apples pears cars', 2)).toHaveLength(2);
    expect(index.search('apples', 0)).toEqual([]);
  });

  it('returns hits with id, title, snippet and a rounded score', () => {
    const [hit] = index.search('cars fuel', 1);
    expect(hit).toEqual({ id: 'c-cars', title: 'Cars', snippet: 'Cars need fuel.', score: expect.any(Number) });
    expect(Number((hit?.score ?? 0).toFixed(4))).toBe(hit?.score);
  });
});

describe('bestSnippet', () => {
  it('picks the sentence with the most query terms', () => {
    expect(bestSnippet('Apples are red. Apples grow on trees.', new Set(['tree']))).toBe('Apples grow on trees.');
  });

  it('falls back to the first sentence', () => {
    expect(bestSnippet('One. Two.', new Set(['zebra']))).toBe('One.');
  });

  it('truncates long sentences at a word boundary', () => {
    const long = `${'word '.repeat(100)}end.`;
    const snippet = bestSnippet(long, new Set(['word']));
    expect(snippet.length).toBeLessThanOrEqual(221);
    expect(snippet.endsWith('word…')).toBe(true);
  });
});
