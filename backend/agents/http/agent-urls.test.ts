import { describe, expect, it } from 'vitest';
import { agentUrlsFromConfig, parseAgentUrlFlags, parseAgentUrls } from './agent-urls.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';

describe('parseAgentUrls (AGENT_URLS)', () => {
  it('reads name=URL entries, trimming, skipping blank ones, splitting at the first =', () => {
    expect(parseAgentUrls(' mine=http://127.0.0.1:9000/run , ,other=https://agents.example/x?a=b=c,')).toEqual([
      { name: 'mine', url: 'http://127.0.0.1:9000/run' },
      { name: 'other', url: 'https://agents.example/x?a=b=c' },
    ]);
    expect(parseAgentUrls('')).toEqual([]);
  });

  it('names the bad entry, without credentials', () => {
    const bad = (text: string): string => {
      try {
        parseAgentUrls(text);
      } catch (err) {
        expect(err).toBeInstanceOf(HttpAgentConfigError);
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad('a=http://x/run,http://y/run')).toBe('AGENT_URLS entry 2 "http://y/run": expected name=URL');
    expect(bad('my agent=http://x/run')).toBe('AGENT_URLS entry 1 "my agent=http://x/run": the agent name must be 1-64 characters without spaces');
    expect(bad('=http://x/run')).toMatch(/^AGENT_URLS entry 1 "=http:\/\/x\/run": the agent name/);
    expect(bad('a=ftp://u:secret@x/run')).toBe('AGENT_URLS entry 1 "a=…": "ftp://x/run" is not an http or https URL');
    expect(bad('a=not a url')).toBe('AGENT_URLS entry 1 "a=…": "not a url" is not a URL');
    expect(bad('a=http://u:secret@[bad/run')).toBe('AGENT_URLS entry 1 "a=…": "http://***@[bad/run" is not a URL');
    expect(bad('a=http://x/1,a=http://x/2')).toBe('AGENT_URLS: the agent name "a" is given twice');
  });
});

describe('parseAgentUrlFlags (--agent-url) and agentUrlsFromConfig', () => {
  it('takes one entry per flag and names the flag in errors', () => {
    expect(parseAgentUrlFlags(['a=http://x/run', 'b=http://y/run?x=1,2'])).toEqual([
      { name: 'a', url: 'http://x/run' },
      { name: 'b', url: 'http://y/run?x=1,2' },
    ]);
    expect(() => parseAgentUrlFlags(['a=mailto:x'])).toThrow('--agent-url "a=…": "mailto:x" is not an http or https URL');
  });

  it('uses the flags when given (they override AGENT_URLS), else AGENT_URLS', () => {
    expect(agentUrlsFromConfig('a=http://x/run', [])).toEqual([{ name: 'a', url: 'http://x/run' }]);
    expect(agentUrlsFromConfig('a=http://x/run', ['b=http://y/run'])).toEqual([{ name: 'b', url: 'http://y/run' }]);
    expect(agentUrlsFromConfig(undefined)).toEqual([]);
  });
});
