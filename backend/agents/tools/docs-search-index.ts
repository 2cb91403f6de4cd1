/**
 * BM25 ranking over a small in-memory corpus. Text is lowercased, split into words
 * (snake_case identifiers also yield their parts: "agent_started" → agent_started, agent,
 * started), stop-words are dropped and plurals are folded ("priorities" → "priority").
 * The title counts twice. Ordering is deterministic: score descending (rounded to 4
 * decimals), then id ascending.
 */
import type { DocEntry } from './docs-corpus.ts';

export interface SearchHit {
  id: string;
  title: string;
  snippet: string;
  score: number;
}

export interface DocsSearchIndex {
  search(query: string, limit: number): SearchHit[];
}

const K1 = 1.2;
const B = 0.75;
const TITLE_WEIGHT = 2;
const SNIPPET_MAX = 220;

const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a about above after again all also am an and any are as at be because been before being between both but by ' +
    'can could did do does doing done down during each few for from further get gets got had has have having he her ' +
    'here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or ' +
    'other our ours out over own please same she should so some such tell than that the their them then there these ' +
    'they this those through to too under until up us very was we were what when where which while who whom why will ' +
    'with would you your yours'
  ).split(' '),
);

/** Folds common English plurals: priorities → priority, events → event (not status, class). */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Words of `text` as index terms, in order (duplicates kept). */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of text.toLowerCase().match(/[a-z0-9_]+/g) ?? []) {
    const parts = word.includes('_') ? [word, ...word.split('_')] : [word];
    for (const part of parts) {
      if (part === '' || STOP_WORDS.has(part)) continue;
      terms.push(stem(part));
    }
  }
  return terms;
}

function splitSentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+/).filter((s) => s.trim() !== '');
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:]+$/, '')}…`;
}

/** The sentence of `text` holding the most distinct query terms (the first on a tie). */
export function bestSnippet(text: string, queryTerms: ReadonlySet<string>): string {
  const sentences = splitSentences(text);
  let best = sentences[0] ?? text;
  let bestCount = 0;
  for (const sentence of sentences) {
    const count = new Set(tokenize(sentence).filter((term) => queryTerms.has(term))).size;
    if (count > bestCount) {
      best = sentence;
      bestCount = count;
    }
  }
  return truncate(best, SNIPPET_MAX);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface IndexedDoc {
  doc: DocEntry;
  length: number;
  termFrequencies: Map<string, number>;
}

export function createDocsSearchIndex(docs: readonly DocEntry[]): DocsSearchIndex {
  const indexed: IndexedDoc[] = docs.map((doc) => {
    const terms = [...Array<string[]>(TITLE_WEIGHT).fill(tokenize(doc.title)).flat(), ...tokenize(doc.text)];
    const termFrequencies = new Map<string, number>();
    for (const term of terms) termFrequencies.set(term, (termFrequencies.get(term) ?? 0) + 1);
    return { doc, length: terms.length, termFrequencies };
  });
  const documentFrequency = new Map<string, number>();
  for (const entry of indexed) {
    for (const term of entry.termFrequencies.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  }
  const count = indexed.length;
  const averageLength = indexed.reduce((sum, entry) => sum + entry.length, 0) / Math.max(count, 1);

  const idf = (term: string): number => {
    const df = documentFrequency.get(term) ?? 0;
    return Math.log(1 + (count - df + 0.5) / (df + 0.5));
  };

  return {
    search(query, limit) {
      const queryTerms = new Set(tokenize(query));
      if (queryTerms.size === 0 || limit <= 0) return [];
      const scored: Array<{ entry: IndexedDoc; score: number }> = [];
      for (const entry of indexed) {
        let score = 0;
        for (const term of queryTerms) {
          const tf = entry.termFrequencies.get(term) ?? 0;
          if (tf === 0) continue;
          const norm = K1 * (1 - B + (B * entry.length) / averageLength);
          score += (idf(term) * tf * (K1 + 1)) / (tf + norm);
        }
        if (score > 0) scored.push({ entry, score: Math.round(score * 10_000) / 10_000 });
      }
      scored.sort((a, b) => b.score - a.score || compareIds(a.entry.doc.id, b.entry.doc.id));
      return scored.slice(0, limit).map(({ entry, score }) => ({
        id: entry.doc.id,
        title: entry.doc.title,
        snippet: bestSnippet(entry.doc.text, queryTerms),
        score,
      }));
    },
  };
}
