import { describe, expect, it } from 'vitest';
import { agentHeadersFromConfig, parseAgentHeaderFlags, parseAgentHeaders } from './agent-headers.ts';
import { HttpAgentConfigError } from './http-agent-errors.ts';

const SECRET = 's3cr3t-token';

function problem(parse: () => unknown): string {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(HttpAgentConfigError);
    const message = (err as Error).message;
    expect(message).not.toContain(SECRET);
    expect(message).not.toMatch(/\n/);
    return message;
  }
  throw new Error('no error');
}

describe('parseAgentHeaders (AGENT_HEADERS)', () => {
  it('reads one name=Header: value a line, trimming, skipping blank lines, commas and = kept in the value', () => {
    const text = `mine=Authorization: Bearer ${SECRET}\r\n\n  other = X-Api-Key :  a,b=c  \nmine=X-Trace: 1`;
    expect(parseAgentHeaders(text)).toEqual([
      { agent: 'mine', name: 'Authorization', value: `Bearer ${SECRET}` },
      { agent: 'other', name: 'X-Api-Key', value: 'a,b=c' },
      { agent: 'mine', name: 'X-Trace', value: '1' },
    ]);
    expect(parseAgentHeaders('')).toEqual([]);
  });

  it('names the bad line, its agent and header, never the value', () => {
    expect(problem(() => parseAgentHeaders(`mine=X: 1\nAuthorization: Bearer ${SECRET}`))).toBe('AGENT_HEADERS line 2: expected name=Header-Name: value');
    expect(problem(() => parseAgentHeaders(`my agent=Authorization: Bearer ${SECRET}`))).toBe(
      'AGENT_HEADERS line 1: the agent name must be 1-64 characters without spaces',
    );
    expect(problem(() => parseAgentHeaders(`=Authorization: ${SECRET}`))).toBe('AGENT_HEADERS line 1: the agent name must be 1-64 characters without spaces');
    expect(problem(() => parseAgentHeaders(`mine=Bearer ${SECRET}`))).toBe('AGENT_HEADERS line 1 (agent "mine"): expected mine=Header-Name: value');
    expect(problem(() => parseAgentHeaders(`mine=Bad Name: ${SECRET}`))).toBe(
      'AGENT_HEADERS line 1 (agent "mine"): the header name must be a token (letters, digits, !#$%&\'*+.^_`|~-)',
    );
    expect(problem(() => parseAgentHeaders('mine=X-Empty:   '))).toBe('AGENT_HEADERS line 1 (agent "mine", header "X-Empty"): the value is empty');
    expect(problem(() => parseAgentHeaders(`mine=Authorization: ${SECRET}\0x`))).toBe(
      'AGENT_HEADERS line 1 (agent "mine", header "Authorization"): the value must not contain CR, LF or NUL',
    );
    expect(problem(() => parseAgentHeaders(`mine=Authorization: ${SECRET}\rx`))).toBe(
      'AGENT_HEADERS line 1 (agent "mine", header "Authorization"): the value must not contain CR, LF or NUL',
    );
    expect(problem(() => parseAgentHeaders(`mine=Authorization: a\nmine=authorization: ${SECRET}`))).toBe(
      'AGENT_HEADERS: the header "authorization" of agent "mine" is given twice',
    );
  });
});

describe('parseAgentHeaderFlags (--agent-header) and agentHeadersFromConfig', () => {
  it('takes one entry per flag, numbering them in errors; a line break inside a value is refused', () => {
    expect(parseAgentHeaderFlags([`mine=Authorization: Bearer ${SECRET}`, 'mine=X-A: 1, 2'])).toEqual([
      { agent: 'mine', name: 'Authorization', value: `Bearer ${SECRET}` },
      { agent: 'mine', name: 'X-A', value: '1, 2' },
    ]);
    expect(problem(() => parseAgentHeaderFlags(['mine=X: 1', `mine=Authorization: ${SECRET}\nX-Evil: 1`]))).toBe(
      '--agent-header 2 (agent "mine", header "Authorization"): the value must not contain CR, LF or NUL',
    );
    expect(problem(() => parseAgentHeaderFlags([SECRET]))).toBe('--agent-header 1: expected name=Header-Name: value');
    expect(problem(() => parseAgentHeaderFlags(['a=X: 1', 'a=x: 2']))).toBe('--agent-header: the header "x" of agent "a" is given twice');
  });

  it('uses the flags when given (they override AGENT_HEADERS), else AGENT_HEADERS', () => {
    expect(agentHeadersFromConfig('a=X: env', [])).toEqual([{ agent: 'a', name: 'X', value: 'env' }]);
    expect(agentHeadersFromConfig('a=X: env', ['b=Y: flag'])).toEqual([{ agent: 'b', name: 'Y', value: 'flag' }]);
    expect(agentHeadersFromConfig(undefined)).toEqual([]);
  });
});
