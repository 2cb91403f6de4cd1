/** The run budget, cancel grace and per-agent cap settings (issue 17): environment, flags, defaults, refusals. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_BUDGET } from '../agents/run-budget.ts';
import { loadConfig } from './backend-config.ts';

describe('run limit settings', () => {
  it('default to the run budget, a 5 s grace and no explicit per-agent cap', () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      runMaxEvents: DEFAULT_RUN_BUDGET.maxEvents,
      runMaxBytes: DEFAULT_RUN_BUDGET.maxBytes,
      thoughtMaxChars: DEFAULT_RUN_BUDGET.maxThoughtChars,
      cancelGraceMs: 5000,
    });
    expect(config.agentMaxConcurrentRuns).toBeUndefined();
  });

  it('read the environment; a flag wins', () => {
    const config = loadConfig(
      { RUN_MAX_EVENTS: '500', RUN_MAX_BYTES: '65536', THOUGHT_MAX_CHARS: '100', CANCEL_GRACE_MS: '250', AGENT_MAX_CONCURRENT_RUNS: '3' },
      ['--run-max-events', '700', '--agent-max-concurrent-runs', '5'],
    );
    expect(config).toMatchObject({ runMaxEvents: 700, runMaxBytes: 65536, thoughtMaxChars: 100, cancelGraceMs: 250, agentMaxConcurrentRuns: 5 });
  });

  it('refuse a value that is not a positive integer, naming the setting', () => {
    expect(() => loadConfig({ RUN_MAX_BYTES: '0' }, [])).toThrow(/RUN_MAX_BYTES must be a positive integer/);
    expect(() => loadConfig({ CANCEL_GRACE_MS: 'soon' }, [])).toThrow(/CANCEL_GRACE_MS must be a non-negative integer/);
    expect(() => loadConfig({ RUN_MAX_EVENTS: '2' }, [])).toThrow(/RUN_MAX_EVENTS must be at least 3/);
  });
});
