import { describe, expect, it } from 'vitest';
import { configuredUrlAgents, parseAgentProtocols } from './agent-protocols.ts';

describe('--agent-protocol / AGENT_PROTOCOLS', () => {
  it('parses name=protocol entries, one per flag or comma-separated', () => {
    expect(parseAgentProtocols(['a=ag-ui', 'b=flowscope, c=ag-ui'])).toEqual([
      { agent: 'a', protocol: 'ag-ui' },
      { agent: 'b', protocol: 'flowscope' },
      { agent: 'c', protocol: 'ag-ui' },
    ]);
  });

  it('refuses a bad entry, an unknown protocol and a name given twice with one line', () => {
    expect(() => parseAgentProtocols(['a'])).toThrow('agent protocol "a": expected name=protocol (flowscope or ag-ui)');
    expect(() => parseAgentProtocols(['a=grpc'])).toThrow('agent protocol "a=grpc": the protocol must be flowscope or ag-ui (got "grpc")');
    expect(() => parseAgentProtocols(['a=ag-ui', 'a=flowscope'])).toThrow('the agent "a" is given twice');
  });

  it('makes each agent URL an AG-UI or an NDJSON agent; a protocol for an undeclared agent stops start-up', () => {
    const agents = configuredUrlAgents({ agentUrls: ['a=http://u:p@127.0.0.1:9/run?x=1', 'b=http://127.0.0.1:9/b'], agentProtocols: ['a=ag-ui'] });
    expect(agents.map((a) => [a.agent.name, a.protocol, a.origin, a.agent.description])).toEqual([
      ['a', 'ag-ui', 'http://127.0.0.1:9/run', 'AG-UI agent at http://127.0.0.1:9/run'],
      ['b', 'flowscope', 'http://127.0.0.1:9/b', 'Agent over HTTP at http://127.0.0.1:9/b'],
    ]);
    expect(() => configuredUrlAgents({ agentUrls: ['a=http://127.0.0.1:9/'], agentProtocols: ['typo=ag-ui'] })).toThrow(
      'agent protocol for agent "typo": no --agent-url / AGENT_URLS entry declares that agent (declared: a)',
    );
  });
});
