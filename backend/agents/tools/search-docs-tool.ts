/**
 * The `search_docs` tool: `{ query, limit? }` → `{ query, hits: [{ id, title, snippet,
 * score }] }`, BM25 over the bundled corpus (or another one, for tests).
 */
import type { Tool } from '../agent-types.ts';
import { DOCS_CORPUS, type DocEntry } from './docs-corpus.ts';
import { createDocsSearchIndex, type SearchHit } from './docs-search-index.ts';
import { optionalInteger, requireString } from './tool-args.ts';

export const SEARCH_DOCS_TOOL_NAME = 'search_docs';
export const DEFAULT_SEARCH_LIMIT = 3;
export const MAX_SEARCH_LIMIT = 10;
/** A query as long as the largest message content. */
export const MAX_QUERY_LENGTH = 8192;

export interface SearchDocsResult {
  query: string;
  hits: SearchHit[];
}

export interface SearchDocsToolOptions {
  corpus?: readonly DocEntry[];
}

export function createSearchDocsTool(options: SearchDocsToolOptions = {}): Tool {
  const index = createDocsSearchIndex(options.corpus ?? DOCS_CORPUS);
  return {
    name: SEARCH_DOCS_TOOL_NAME,
    description: 'Searches the bundled Flowscope documentation and returns the best-matching snippets.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string', description: 'What to look for.' },
        limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, description: `How many snippets (default ${DEFAULT_SEARCH_LIMIT}).` },
      },
      required: ['query'],
      additionalProperties: false,
    },
    execute(args): Promise<SearchDocsResult> {
      return Promise.resolve().then(() => {
        const query = requireString(args, 'query', MAX_QUERY_LENGTH);
        const limit = optionalInteger(args, 'limit', { min: 1, max: MAX_SEARCH_LIMIT }) ?? DEFAULT_SEARCH_LIMIT;
        return { query, hits: index.search(query, limit) };
      });
    },
  };
}
