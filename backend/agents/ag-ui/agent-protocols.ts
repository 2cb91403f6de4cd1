/**
 * Which protocol each agent URL speaks: `--agent-protocol name=ag-ui` (repeatable) or
 * `AGENT_PROTOCOLS=name=ag-ui,other=flowscope` (flags replace the variable, as for every
 * setting). `flowscope` (Flowscope's NDJSON, ../http/) is the default; `ag-ui` makes the
 * agent an AG-UI client of that URL (ag-ui-agent.ts). An entry naming no `--agent-url` /
 * AGENT_URLS agent, a name given twice or an unknown protocol stops start-up with one line.
 */
import type { Agent } from '../agent-types.ts';
import { AGENT_NAME_PATTERN } from '../agent-registry.ts';
import { configuredHttpAgentOptions, type HttpAgentSettings } from '../http/configured-http-agents.ts';
import { createHttpAgent } from '../http/http-agent.ts';
import { displayUrl } from '../http/agent-urls.ts';
import { createAguiAgent } from './ag-ui-agent.ts';
import { AguiAgentConfigError } from './ag-ui-agent-errors.ts';

export const AGENT_PROTOCOLS = ['flowscope', 'ag-ui'] as const;
export type AgentProtocol = (typeof AGENT_PROTOCOLS)[number];

export interface AgentProtocolEntry {
  agent: string;
  protocol: AgentProtocol;
}

function parseEntry(entry: string, label: string): AgentProtocolEntry {
  const at = entry.indexOf('=');
  if (at === -1) throw new AguiAgentConfigError(`${label} "${entry}": expected name=protocol (${AGENT_PROTOCOLS.join(' or ')})`);
  const agent = entry.slice(0, at).trim();
  const protocol = entry.slice(at + 1).trim();
  if (!AGENT_NAME_PATTERN.test(agent)) throw new AguiAgentConfigError(`${label} "${entry}": the agent name must be 1-64 characters without spaces`);
  if (!(AGENT_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new AguiAgentConfigError(`${label} "${entry}": the protocol must be ${AGENT_PROTOCOLS.join(' or ')} (got "${protocol}")`);
  }
  return { agent, protocol: protocol as AgentProtocol };
}

/**
 * The entries of `values` (each `name=protocol`; a value may hold several, comma-separated,
 * as AGENT_PROTOCOLS does). `label` names where they came from in errors.
 */
export function parseAgentProtocols(values: readonly string[], label = 'agent protocol'): AgentProtocolEntry[] {
  const entries = values.flatMap((value) =>
    value
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => parseEntry(part, label)),
  );
  const seen = new Set<string>();
  for (const { agent } of entries) {
    if (seen.has(agent)) throw new AguiAgentConfigError(`${label}: the agent "${agent}" is given twice`);
    seen.add(agent);
  }
  return entries;
}

export interface UrlAgentSettings extends HttpAgentSettings {
  /** `name=protocol` entries (AGENT_PROTOCOLS, --agent-protocol). */
  agentProtocols?: readonly string[] | undefined;
}

export interface ConfiguredUrlAgent {
  agent: Agent;
  protocol: AgentProtocol;
  /** The URL as descriptions show it (no credentials, query or fragment). */
  origin: string;
}

/** The agents of `--agent-url` / AGENT_URLS, each over the protocol `--agent-protocol` names (default flowscope). */
export function configuredUrlAgents(settings: UrlAgentSettings): ConfiguredUrlAgent[] {
  const options = configuredHttpAgentOptions(settings);
  const protocols = new Map(parseAgentProtocols(settings.agentProtocols ?? []).map((entry) => [entry.agent, entry.protocol]));
  const declared = new Set(options.map((option) => option.name));
  for (const agent of protocols.keys()) {
    if (!declared.has(agent)) {
      const known = declared.size === 0 ? 'none is declared' : `declared: ${[...declared].join(', ')}`;
      throw new AguiAgentConfigError(`agent protocol for agent "${agent}": no --agent-url / AGENT_URLS entry declares that agent (${known})`);
    }
  }
  return options.map((option) => {
    const protocol = protocols.get(option.name) ?? 'flowscope';
    const origin = displayUrl(new URL(option.url));
    return { agent: protocol === 'ag-ui' ? createAguiAgent(option) : createHttpAgent(option), protocol, origin };
  });
}
