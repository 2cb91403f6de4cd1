/**
 * The agents over HTTP a configuration declares (`--agent-url`/AGENT_URLS), each with its
 * headers (`--agent-header`/AGENT_HEADERS) and the timeouts shared by all of them
 * (`--agent-timeout-ms`/AGENT_TIMEOUT_MS, `--agent-idle-timeout-ms`/AGENT_IDLE_TIMEOUT_MS).
 */
import type { AgentHeaderEntry } from './agent-headers.ts';
import { parseAgentUrlFlags } from './agent-urls.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';
import type { HttpAgentOptions } from './http-agent.ts';

export interface HttpAgentSettings {
  /** `name=URL` entries. */
  agentUrls: readonly string[];
  agentHeaders?: readonly AgentHeaderEntry[] | undefined;
  agentTimeoutMs?: number | undefined;
  agentIdleTimeoutMs?: number | undefined;
}

/**
 * A timeout setting: unset or empty is undefined, else an integer from 1 to `max`. `label`
 * names where the value came from (the variable or the flag); the message is one line.
 */
export function parseTimeoutSetting(text: string | undefined, label: string, max: number): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new HttpAgentConfigError(`${label} must be an integer from 1 to ${max} (milliseconds), got "${text}"`);
  }
  return n;
}

/**
 * The options of each agent over HTTP to create. A header for a name no URL entry declares
 * is an error naming it (a typo would otherwise send the agent no token, silently).
 */
export function configuredHttpAgentOptions(settings: HttpAgentSettings): HttpAgentOptions[] {
  const entries = parseAgentUrlFlags(settings.agentUrls, 'agent URL');
  const declared = new Set(entries.map((entry) => entry.name));
  const headers = new Map<string, Record<string, string>>();
  for (const header of settings.agentHeaders ?? []) {
    if (!declared.has(header.agent)) {
      const known = declared.size === 0 ? 'none is declared' : `declared: ${[...declared].join(', ')}`;
      throw new HttpAgentConfigError(
        `agent header "${header.name}" for agent "${header.agent}": no --agent-url / AGENT_URLS entry declares that agent (${known})`,
      );
    }
    const own = headers.get(header.agent) ?? {};
    own[header.name] = header.value;
    headers.set(header.agent, own);
  }
  return entries.map((entry) => ({
    name: entry.name,
    url: entry.url,
    ...(headers.has(entry.name) ? { headers: headers.get(entry.name) } : {}),
    ...(settings.agentTimeoutMs !== undefined ? { timeoutMs: settings.agentTimeoutMs } : {}),
    ...(settings.agentIdleTimeoutMs !== undefined ? { idleTimeoutMs: settings.agentIdleTimeoutMs } : {}),
  }));
}
