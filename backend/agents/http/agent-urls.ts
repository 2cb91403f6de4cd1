/**
 * Which agents over HTTP to register: `AGENT_URLS=name=http://host:port/path,...` and the
 * repeatable `--agent-url name=URL` (each flag one entry). An entry is `name=URL` split at
 * the first `=`; the name follows the agent name rule (1-64 characters, no spaces); the URL
 * is http or https. Errors name the bad entry (its URL shown without credentials).
 */
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';

export interface AgentUrlEntry {
  name: string;
  url: string;
}

/** The URL as errors, logs and descriptions show it: no user, password, query or fragment. */
export function displayUrl(url: URL): string {
  return `${url.protocol}${url.host === '' ? '' : `//${url.host}`}${url.pathname}`;
}

/** For text that may not parse as a URL: hides `user:password@`. */
function redactText(text: string): string {
  return text.replace(/\/\/[^/?#@\s]*@/, '//***@');
}

/** Parses an http(s) URL or returns the reason it is not one. */
export function checkAgentUrl(text: string): { ok: true; url: URL } | { ok: false; problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, problem: `"${redactText(text)}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, problem: `"${displayUrl(url)}" is not an http or https URL` };
  }
  return { ok: true, url };
}

function parseEntry(entry: string, label: string): AgentUrlEntry {
  const at = entry.indexOf('=');
  if (at === -1) throw new HttpAgentConfigError(`${label} "${redactText(entry)}": expected name=URL`);
  const name = entry.slice(0, at).trim();
  const urlText = entry.slice(at + 1).trim();
  if (!AGENT_NAME_PATTERN.test(name)) {
    throw new HttpAgentConfigError(`${label} "${redactText(entry)}": the agent name must be 1-64 characters without spaces`);
  }
  const checked = checkAgentUrl(urlText);
  if (!checked.ok) throw new HttpAgentConfigError(`${label} "${name}=…": ${checked.problem}`);
  return { name, url: urlText };
}

function noDuplicates(entries: AgentUrlEntry[], source: string): AgentUrlEntry[] {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) throw new HttpAgentConfigError(`${source}: the agent name "${entry.name}" is given twice`);
    seen.add(entry.name);
  }
  return entries;
}

/** The entries of a list setting, trimmed, blank ones skipped, each with its place (from 1) in the text. */
export function listEntries(text: string, separator: string | RegExp): Array<{ entry: string; number: number }> {
  return text
    .split(separator)
    .map((entry, index) => ({ entry: entry.trim(), number: index + 1 }))
    .filter(({ entry }) => entry !== '');
}

/** `AGENT_URLS`: comma-separated `name=URL` entries (blank entries are skipped). */
export function parseAgentUrls(text: string, source = 'AGENT_URLS'): AgentUrlEntry[] {
  return noDuplicates(
    listEntries(text, ',').map(({ entry, number }) => parseEntry(entry, `${source} entry ${number}`)),
    source,
  );
}

/** `--agent-url name=URL`, repeatable: one entry per value. */
export function parseAgentUrlFlags(values: readonly string[], flag = '--agent-url'): AgentUrlEntry[] {
  return noDuplicates(
    values.map((value) => parseEntry(value.trim(), flag)),
    flag,
  );
}

/**
 * The entries to register: the `--agent-url` flags when any is given (flags override the
 * environment, as every other setting), else `AGENT_URLS`.
 */
export function agentUrlsFromConfig(envText: string | undefined, flagValues: readonly string[] = []): AgentUrlEntry[] {
  return flagValues.length > 0 ? parseAgentUrlFlags(flagValues) : parseAgentUrls(envText ?? '');
}
