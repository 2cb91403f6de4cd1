import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkJwtSecret, DEFAULT_LIMITS, loadConfig } from './backend-config.ts';

describe('loadConfig scenarioDir', () => {
  it('is unset by default, read from SCENARIO_DIR, overridden by --scenario-dir, resolved', () => {
    expect(loadConfig({}, []).scenarioDir).toBeUndefined();
    expect(loadConfig({ SCENARIO_DIR: 'pack' }, []).scenarioDir).toBe(path.resolve('pack'));
    expect(loadConfig({ SCENARIO_DIR: 'pack' }, ['--scenario-dir', '/srv/other']).scenarioDir).toBe(path.resolve('/srv/other'));
  });
});

describe('JWT_SECRET and connection limits', () => {
  it('refuses a JWT_SECRET shorter than 32 bytes with one clear line', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short' }, [])).toThrow(/^JWT_SECRET is 5 bytes; at least 32 are required/);
    expect(() => loadConfig({}, ['--jwt-secret', 'x'.repeat(31)])).toThrow(/31 bytes/);
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }, []).jwtSecret).toBe('x'.repeat(32));
    expect(() => checkJwtSecret('é'.repeat(16))).not.toThrow(); // bytes, not characters
  });

  it('reads every limit from its variable or flag, with defaults', () => {
    expect(loadConfig({}, []).limits).toEqual(DEFAULT_LIMITS);
    const limits = loadConfig({ MAX_CONNECTIONS: '50', MAX_INBOUND_BACKLOG: '7' }, [
      '--max-handshakes-per-address',
      '3',
      '--max-outbound-buffer-bytes',
      '1000',
    ]).limits;
    expect(limits).toMatchObject({ maxConnections: 50, maxInboundBacklog: 7, maxHandshakesPerAddress: 3, maxOutboundBufferBytes: 1000 });
    expect(() => loadConfig({ MAX_HANDSHAKES: '0' }, [])).toThrow(/MAX_HANDSHAKES must be a positive integer/);
  });
});

describe('agents over HTTP: headers and timeouts', () => {
  const urls = { AGENT_URLS: 'mine=http://127.0.0.1:9000/run' };

  it('reads AGENT_HEADERS (one a line), AGENT_TIMEOUT_MS and AGENT_IDLE_TIMEOUT_MS; unset, none and the agent defaults', () => {
    const none = loadConfig(urls, []);
    expect(none.agentHeaders).toEqual([]);
    expect(none.agentTimeoutMs).toBeUndefined();
    expect(none.agentIdleTimeoutMs).toBeUndefined();
    const config = loadConfig(
      { ...urls, AGENT_HEADERS: 'mine=Authorization: Bearer env-token\nmine=X-Team: a, b', AGENT_TIMEOUT_MS: '9000', AGENT_IDLE_TIMEOUT_MS: '250' },
      [],
    );
    expect(config.agentHeaders).toEqual([
      { agent: 'mine', name: 'Authorization', value: 'Bearer env-token' },
      { agent: 'mine', name: 'X-Team', value: 'a, b' },
    ]);
    expect(config).toMatchObject({ agentTimeoutMs: 9000, agentIdleTimeoutMs: 250 });
  });

  it('flags win over the environment', () => {
    const env = { ...urls, AGENT_HEADERS: 'mine=Authorization: Bearer env-token', AGENT_TIMEOUT_MS: '9000', AGENT_IDLE_TIMEOUT_MS: '250' };
    const config = loadConfig(env, [
      '--agent-header',
      'mine=Authorization: Bearer flag-token',
      '--agent-header',
      'mine=X-One: 1',
      '--agent-timeout-ms',
      '7000',
      '--agent-idle-timeout-ms',
      '100',
    ]);
    expect(config.agentHeaders).toEqual([
      { agent: 'mine', name: 'Authorization', value: 'Bearer flag-token' },
      { agent: 'mine', name: 'X-One', value: '1' },
    ]);
    expect(config).toMatchObject({ agentTimeoutMs: 7000, agentIdleTimeoutMs: 100 });
  });

  it('a bad value is one line naming the variable or flag that gave it (never a header value)', () => {
    expect(() => loadConfig({ AGENT_TIMEOUT_MS: 'soon' }, [])).toThrow('AGENT_TIMEOUT_MS must be an integer from 1 to 86400000 (milliseconds), got "soon"');
    expect(() => loadConfig({ AGENT_IDLE_TIMEOUT_MS: '300001' }, [])).toThrow(
      'AGENT_IDLE_TIMEOUT_MS must be an integer from 1 to 300000 (milliseconds), got "300001"',
    );
    expect(() => loadConfig({ AGENT_IDLE_TIMEOUT_MS: '5' }, ['--agent-idle-timeout-ms', '0'])).toThrow(
      '--agent-idle-timeout-ms must be an integer from 1 to 300000 (milliseconds), got "0"',
    );
    expect(() => loadConfig({}, ['--agent-timeout-ms=-3'])).toThrow('--agent-timeout-ms must be an integer from 1 to 86400000 (milliseconds), got "-3"');
    expect(() => loadConfig({ AGENT_HEADERS: 'mine Authorization: Bearer hidden' }, [])).toThrow(/^AGENT_HEADERS line 1: expected name=Header-Name: value$/);
    expect(() => loadConfig({}, ['--agent-header', 'mine=Authorization: Bearer hidden\nX: 1'])).toThrow(
      /^--agent-header 1 \(agent "mine", header "Authorization"\): the value must not contain CR, LF or NUL$/,
    );
  });
});
