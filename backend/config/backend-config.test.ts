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
    const limits = loadConfig({ MAX_CONNECTIONS: '50', MAX_INBOUND_BACKLOG: '7' }, ['--max-handshakes-per-address', '3', '--max-outbound-buffer-bytes', '1000']).limits;
    expect(limits).toMatchObject({ maxConnections: 50, maxInboundBacklog: 7, maxHandshakesPerAddress: 3, maxOutboundBufferBytes: 1000 });
    expect(() => loadConfig({ MAX_HANDSHAKES: '0' }, [])).toThrow(/MAX_HANDSHAKES must be a positive integer/);
  });
});
