import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { electronBackendConfig, readElectronSettings } from './electron-settings.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function folder(settings?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowscope-electron-'));
  dirs.push(dir);
  if (settings !== undefined) fs.writeFileSync(path.join(dir, 'settings.json'), settings);
  return dir;
}

describe('Electron backend settings', () => {
  it('reads agents (relative to the file), agent URLs and the LLM model', () => {
    const dir = folder(
      JSON.stringify({
        agents: ['agents/mine.ts'],
        agentUrls: ['py=http://127.0.0.1:9000/run'],
        llm: { model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1' },
      }),
    );
    const settings = readElectronSettings(dir);
    expect(settings).toEqual({
      agents: [path.join(dir, 'agents/mine.ts')],
      agentUrls: ['py=http://127.0.0.1:9000/run'],
      llm: { model: 'llama3.1', baseUrl: 'http://127.0.0.1:11434/v1' },
    });
    const config = electronBackendConfig({ AGENTS: '/env/agent.ts' }, settings, { port: 0, dataDir: dir });
    expect(config.agentModules).toEqual(['/env/agent.ts', path.join(dir, 'agents/mine.ts')]);
    expect(config.agentUrls).toEqual(['py=http://127.0.0.1:9000/run']);
    expect(config.llm?.model).toBe('llama3.1');
    expect(config.port).toBe(0);
    expect(config.agentReload).toBe(false);
  });

  it('passes the serve environment for agents over HTTP through: AGENT_HEADERS (also for a settings.json agent) and the timeouts', () => {
    const dir = folder(JSON.stringify({ agentUrls: ['py=http://127.0.0.1:9000/run'] }));
    const env = { AGENT_HEADERS: 'py=Authorization: Bearer t0k', AGENT_TIMEOUT_MS: '5000', AGENT_IDLE_TIMEOUT_MS: '800' };
    const config = electronBackendConfig(env, readElectronSettings(dir), { port: 0, dataDir: dir });
    expect(config.agentHeaders).toEqual([{ agent: 'py', name: 'Authorization', value: 'Bearer t0k' }]);
    expect(config).toMatchObject({ agentUrls: ['py=http://127.0.0.1:9000/run'], agentTimeoutMs: 5000, agentIdleTimeoutMs: 800 });
  });

  it('adds the MCP tool servers of settings.json to FLOWSCOPE_MCP', () => {
    const dir = folder(JSON.stringify({ mcp: ['fs=npx -y @modelcontextprotocol/server-filesystem /tmp', 'web=http://127.0.0.1:3001/mcp'] }));
    const settings = readElectronSettings(dir);
    expect(settings.mcp).toEqual(['fs=npx -y @modelcontextprotocol/server-filesystem /tmp', 'web=http://127.0.0.1:3001/mcp']);
    const config = electronBackendConfig({ FLOWSCOPE_MCP: 'env=/usr/bin/env-server --stdio' }, settings, { port: 0, dataDir: dir });
    expect(config.mcpServers).toEqual(['env=/usr/bin/env-server --stdio', ...(settings.mcp ?? [])]);
    expect(() => readElectronSettings(folder('{"mcp": "fs=x"}'))).toThrow('"mcp" must be a list of strings');
  });

  it('adds the agent protocols of settings.json to AGENT_PROTOCOLS (an AG-UI agent from the settings file)', () => {
    const dir = folder(JSON.stringify({ agentUrls: ['lg=http://127.0.0.1:8123/agent'], agentProtocols: ['lg=ag-ui'] }));
    const settings = readElectronSettings(dir);
    const config = electronBackendConfig({ AGENT_PROTOCOLS: 'py=flowscope' }, settings, { port: 0, dataDir: dir });
    expect(config.agentProtocols).toEqual(['py=flowscope', 'lg=ag-ui']);
    expect(config.agentUrls).toEqual(['lg=http://127.0.0.1:8123/agent']);
    expect(() => readElectronSettings(folder('{"agentProtocols": "lg=ag-ui"}'))).toThrow('"agentProtocols" must be a list of strings');
  });

  it('no file is no settings; a broken one is one line naming it', () => {
    expect(readElectronSettings(folder())).toEqual({});
    const bad = folder('{"agents": "x.ts"}');
    expect(() => readElectronSettings(bad)).toThrow(`${path.join(bad, 'settings.json')}: "agents" must be a list of strings`);
    const notJson = folder('{');
    expect(() => readElectronSettings(notJson)).toThrow(/settings\.json: not valid JSON/);
  });
});
