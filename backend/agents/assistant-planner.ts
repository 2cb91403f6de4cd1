/**
 * The assistant's tool choice, a pure function of the message content:
 * - `calculator` once per arithmetic expression found (up to 3, in order of appearance);
 * - `clock` when the content asks for the time or the date, with the timezone it names
 *   (an IANA name such as "Europe/Paris", a city such as "in Tokyo", else UTC);
 * - `search_docs` with the whole content when neither applies.
 * So the plan is never empty, and the same content always gives the same plan.
 */
import { extractArithmeticExpressions } from './expression-extractor.ts';
import { CALCULATOR_TOOL_NAME } from './tools/calculator-tool.ts';
import { CLOCK_TOOL_NAME, DEFAULT_TIMEZONE } from './tools/clock-tool.ts';
import { SEARCH_DOCS_TOOL_NAME } from './tools/search-docs-tool.ts';

export type PlannedCall =
  | { tool: typeof CALCULATOR_TOOL_NAME; args: { expression: string } }
  | { tool: typeof CLOCK_TOOL_NAME; args: { timezone: string } }
  | { tool: typeof SEARCH_DOCS_TOOL_NAME; args: { query: string } };

// "time" and "date" as the thing asked for, not "time limit", "timeout" or "date format".
const NOT_A_TIME_QUESTION = String.raw`(?![\s-]+(?:limit|limits|out|outs|skew|window|budget|stamp|stamps|zone|zones|format|field|to\s+live)\b)`;
const TIME_QUESTION_PATTERNS: readonly RegExp[] = [
  String.raw`\bwhat(?:'s|\s+is)?\s+the\s+(?:current\s+|local\s+)?(?:time|date|day)\b`,
  String.raw`\bwhat\s+time\b`,
  String.raw`\btime\s+is\s+it\b`,
  String.raw`\bcurrent\s+(?:time|date)\b`,
  String.raw`\b(?:time|date)\s+(?:now|today|right\s+now)\b`,
  String.raw`\btoday'?s\s+date\b`,
  String.raw`\bwhat\s+day\s+is\s+(?:it|today)\b`,
  String.raw`\bwhat(?:'s|\s+is)\s+today\b`,
  String.raw`\b(?:time|date)\s+in\s+[A-Za-z]`,
].map((source) => new RegExp(source + NOT_A_TIME_QUESTION, 'i'));

export function asksForTime(content: string): boolean {
  return TIME_QUESTION_PATTERNS.some((pattern) => pattern.test(content));
}

const IANA_NAME =
  /\b(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc|US|Canada|Brazil|Mexico|Chile)(?:\/[A-Za-z][A-Za-z0-9_+-]*){1,2}/i;
const PLACE_AFTER_IN = /\bin\s+([A-Za-z][A-Za-z'-]*(?:\s+[A-Za-z][A-Za-z'-]*){0,2})/gi;

let zonesByCity: Map<string, string> | undefined;

/** Last segment of every IANA zone, lowercase, spaces for underscores → the zone. */
function zoneForCity(city: string): string | undefined {
  if (zonesByCity === undefined) {
    zonesByCity = new Map();
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      const city = zone.split('/').pop()?.replace(/_/g, ' ').toLowerCase();
      if (city !== undefined && zone.includes('/') && !zonesByCity.has(city)) zonesByCity.set(city, zone);
    }
  }
  return zonesByCity.get(city.toLowerCase());
}

/**
 * The timezone the content names, or UTC. An IANA-looking name is passed as written, even
 * when it does not exist ("Europe/Atlantis"): the clock then fails and the answer says so.
 */
export function timezoneFromContent(content: string): string {
  const iana = IANA_NAME.exec(content);
  if (iana) return iana[0];
  for (const match of content.matchAll(PLACE_AFTER_IN)) {
    const words = (match[1] ?? '').split(/\s+/);
    // Longest first: "in New York today" tries "new york today", then "new york".
    for (let n = words.length; n > 0; n -= 1) {
      const zone = zoneForCity(words.slice(0, n).join(' '));
      if (zone !== undefined) return zone;
    }
  }
  return DEFAULT_TIMEZONE;
}

export function planAssistantCalls(content: string): PlannedCall[] {
  const calls: PlannedCall[] = extractArithmeticExpressions(content).map((expression) => ({
    tool: CALCULATOR_TOOL_NAME,
    args: { expression },
  }));
  if (asksForTime(content)) calls.push({ tool: CLOCK_TOOL_NAME, args: { timezone: timezoneFromContent(content) } });
  if (calls.length === 0) calls.push({ tool: SEARCH_DOCS_TOOL_NAME, args: { query: content } });
  return calls;
}
