/**
 * The Electron app's backend settings: the same environment variables as `flowscope serve`
 * (AGENTS, AGENT_URLS, AGENT_HEADERS, AGENT_TIMEOUT_MS, LLM_MODEL, ...; AGENT_HEADERS may name
 * a settings.json agent too), plus `settings.json` in the app's data folder:
 *
 *   { "agents": ["/path/to/my-agent.ts"], "agentUrls": ["mine=http://127.0.0.1:9000/run", "lg=http://127.0.0.1:8123/agent"],
 *     "agentProtocols": ["lg=ag-ui"],
 *     "llm": { "model": "llama3.1", "baseUrl": "http://127.0.0.1:11434/v1" },
 *     "mcp": ["fs=npx -y @modelcontextprotocol/server-filesystem /tmp", "web=http://127.0.0.1:3001/mcp"] }
 *
 * Module paths are relative to the folder of settings.json. `mcp` entries (MCP tool servers,
 * `name=<command line>` or `name=<http(s) URL>`) add to FLOWSCOPE_MCP; the backend checks them. A settings file that cannot be
 * read or is not of this shape is reported, never guessed at.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, type BackendConfig } from '../backend/index.ts';

export const SETTINGS_FILE = 'settings.json';

export interface ElectronSettings {
  agents?: string[];
  agentUrls?: string[];
  agentProtocols?: string[];
  llm?: BackendConfig['llm'];
  mcp?: string[];
}

function stringList(value: unknown, key: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`"${key}" must be a list of strings`);
  return value;
}

/** Reads `dir/settings.json` (absent: no settings). Throws one line naming the file and the problem. */
export function readElectronSettings(dir: string): ElectronSettings {
  const file = path.join(dir, SETTINGS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${file}: must be a JSON object`);
  const settings = raw as Record<string, unknown>;
  try {
    const llm = settings.llm;
    if (llm !== undefined && (typeof llm !== 'object' || llm === null || typeof (llm as { model?: unknown }).model !== 'string')) {
      throw new Error('"llm" must be an object with a "model" string');
    }
    return {
      agents: stringList(settings.agents, 'agents').map((p) => path.resolve(dir, p)),
      agentUrls: stringList(settings.agentUrls, 'agentUrls'),
      ...(settings.agentProtocols === undefined ? {} : { agentProtocols: stringList(settings.agentProtocols, 'agentProtocols') }),
      ...(settings.mcp === undefined ? {} : { mcp: stringList(settings.mcp, 'mcp') }),
      ...(llm ? { llm: llm as BackendConfig['llm'] } : {}),
    };
  } catch (err) {
    throw new Error(`${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The backend configuration of the app: environment first, then settings.json adds to it. */
export function electronBackendConfig(env: NodeJS.ProcessEnv, settings: ElectronSettings, fixed: Partial<BackendConfig>): BackendConfig {
  const fromEnv = loadConfig(env, []);
  return {
    ...fromEnv,
    ...fixed,
    agentModules: [...fromEnv.agentModules, ...(settings.agents ?? [])],
    agentUrls: [...fromEnv.agentUrls, ...(settings.agentUrls ?? [])],
    agentProtocols: [...(fromEnv.agentProtocols ?? []), ...(settings.agentProtocols ?? [])],
    llm: fromEnv.llm ?? settings.llm,
    mcpServers: [...fromEnv.mcpServers, ...(settings.mcp ?? [])],
    // A packaged app is not a development server: reload only when asked (AGENT_RELOAD=1).
    agentReload: env.AGENT_RELOAD === '1' || env.AGENT_RELOAD === 'true',
  };
}
