/**
 * Request headers for agents over HTTP (an `Authorization` token, for example):
 * `AGENT_HEADERS`, one `name=Header-Name: value` entry per line (header values may hold
 * commas), and the repeatable `--agent-header name=Header-Name: value` (each flag one entry).
 * An entry is split at the first `=` (the agent's name) and then at the first `:` (the
 * header's name; the value is trimmed). The value is never shown: errors name the entry by
 * its number, its agent and its header name only, since values carry secrets.
 */
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';
import { listEntries } from './agent-urls.ts';
import { isHeaderName, isHeaderValue } from './agent-endpoint.ts';

export interface AgentHeaderEntry {
  /** The agent over HTTP it is sent to (an `--agent-url` / AGENT_URLS name). */
  agent: string;
  /** The header's name as written. */
  name: string;
  value: string;
}

function parseEntry(entry: string, label: string): AgentHeaderEntry {
  const at = entry.indexOf('=');
  if (at === -1) throw new HttpAgentConfigError(`${label}: expected name=Header-Name: value`);
  const agent = entry.slice(0, at).trim();
  if (!AGENT_NAME_PATTERN.test(agent)) throw new HttpAgentConfigError(`${label}: the agent name must be 1-64 characters without spaces`);
  const line = entry.slice(at + 1);
  const colon = line.indexOf(':');
  if (colon === -1) throw new HttpAgentConfigError(`${label} (agent "${agent}"): expected ${agent}=Header-Name: value`);
  const name = line.slice(0, colon).trim();
  if (!isHeaderName(name)) {
    throw new HttpAgentConfigError(`${label} (agent "${agent}"): the header name must be a token (letters, digits, !#$%&'*+.^_\`|~-)`);
  }
  const value = line.slice(colon + 1).trim();
  const where = `${label} (agent "${agent}", header "${name}")`;
  if (!isHeaderValue(value)) throw new HttpAgentConfigError(`${where}: the value must not contain CR, LF or NUL`);
  if (value === '') throw new HttpAgentConfigError(`${where}: the value is empty`);
  return { agent, name, value };
}

function noDuplicates(entries: AgentHeaderEntry[], source: string): AgentHeaderEntry[] {
  const seen = new Set<string>();
  for (const { agent, name } of entries) {
    const key = `${agent}\n${name.toLowerCase()}`;
    if (seen.has(key)) throw new HttpAgentConfigError(`${source}: the header "${name}" of agent "${agent}" is given twice`);
    seen.add(key);
  }
  return entries;
}

/** `AGENT_HEADERS`: one entry per line (blank lines are skipped; CRLF line ends are fine). */
export function parseAgentHeaders(text: string, source = 'AGENT_HEADERS'): AgentHeaderEntry[] {
  return noDuplicates(
    listEntries(text, /\r?\n/).map(({ entry, number }) => parseEntry(entry, `${source} line ${number}`)),
    source,
  );
}

/** `--agent-header name=Header-Name: value`, repeatable: one entry per value. */
export function parseAgentHeaderFlags(values: readonly string[], flag = '--agent-header'): AgentHeaderEntry[] {
  return noDuplicates(
    values.map((value, index) => parseEntry(value.trim(), `${flag} ${index + 1}`)),
    flag,
  );
}

/** The headers to send: the `--agent-header` flags when any is given (they override the environment), else `AGENT_HEADERS`. */
export function agentHeadersFromConfig(envText: string | undefined, flagValues: readonly string[] = []): AgentHeaderEntry[] {
  return flagValues.length > 0 ? parseAgentHeaderFlags(flagValues) : parseAgentHeaders(envText ?? '');
}
