import { describe, expect, it } from 'vitest';
import { configuredHttpAgentOptions, parseTimeoutSetting } from './configured-http-agents.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';

describe('configuredHttpAgentOptions', () => {
  it('gives each declared agent its own headers and every agent the shared timeouts', () => {
    const options = configuredHttpAgentOptions({
      agentUrls: ['a=http://127.0.0.1:9000/run', 'b=http://127.0.0.1:9001/run'],
      agentHeaders: [
        { agent: 'a', name: 'Authorization', value: 'Bearer t' },
        { agent: 'a', name: 'X-Team', value: 'blue' },
      ],
      agentTimeoutMs: 5000,
      agentIdleTimeoutMs: 200,
    });
    expect(options).toEqual([
      { name: 'a', url: 'http://127.0.0.1:9000/run', headers: { Authorization: 'Bearer t', 'X-Team': 'blue' }, timeoutMs: 5000, idleTimeoutMs: 200 },
      { name: 'b', url: 'http://127.0.0.1:9001/run', timeoutMs: 5000, idleTimeoutMs: 200 },
    ]);
    expect(configuredHttpAgentOptions({ agentUrls: ['a=http://x/run'] })).toEqual([{ name: 'a', url: 'http://x/run' }]);
  });

  it('refuses a header for an agent no URL entry declares, naming it and not the value', () => {
    const header = { agent: 'ghost', name: 'Authorization', value: 'Bearer hidden-value' };
    const run = (agentUrls: string[]) => () => configuredHttpAgentOptions({ agentUrls, agentHeaders: [header] });
    expect(run(['a=http://x/run', 'b=http://y/run'])).toThrow(HttpAgentConfigError);
    expect(run(['a=http://x/run', 'b=http://y/run'])).toThrow(
      'agent header "Authorization" for agent "ghost": no --agent-url / AGENT_URLS entry declares that agent (declared: a, b)',
    );
    expect(run([])).toThrow('agent header "Authorization" for agent "ghost": no --agent-url / AGENT_URLS entry declares that agent (none is declared)');
  });
});

describe('parseTimeoutSetting', () => {
  it('reads an integer from 1 to the bound; unset or empty is undefined; anything else names the setting', () => {
    expect(parseTimeoutSetting(undefined, 'AGENT_TIMEOUT_MS', 10)).toBeUndefined();
    expect(parseTimeoutSetting(' ', 'AGENT_TIMEOUT_MS', 10)).toBeUndefined();
    expect(parseTimeoutSetting(' 10 ', 'AGENT_TIMEOUT_MS', 10)).toBe(10);
    for (const bad of ['0', '11', '1.5', '-1', '1e3', 'soon', '0x10']) {
      expect(() => parseTimeoutSetting(bad, 'AGENT_TIMEOUT_MS', 10)).toThrow(`AGENT_TIMEOUT_MS must be an integer from 1 to 10 (milliseconds), got "${bad}"`);
    }
  });
});
