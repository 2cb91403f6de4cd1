import { describe, expect, it } from 'vitest';
import { parseAgentLine } from './agent-lines.ts';

const problem = (line: unknown): string => {
  const parsed = parseAgentLine(typeof line === 'string' ? line : JSON.stringify(line));
  if (parsed.ok) throw new Error(`expected a problem, got ${JSON.stringify(parsed.line)}`);
  return parsed.problem;
};

describe('parseAgentLine', () => {
  it('accepts the four events with the wire payloads, ignoring other top-level fields', () => {
    const lines = [
      { type: 'agent_thinking', payload: { thought: 'hm', step: 1 }, seq: 9, timestamp: 'x' },
      { type: 'tool_executing', payload: { tool: 't', call_id: 'c', args: {} } },
      { type: 'tool_completed', payload: { tool: 't', call_id: 'c', ok: false, error: 'no', duration_ms: 3 } },
      { type: 'agent_completed', payload: { status: 'succeeded', response: 'ok', error: null, usage: { input_tokens: 1, output_tokens: 2 } } },
      { type: 'agent_completed', payload: { status: 'failed', response: null, error: 'down', duration_ms: 5 } },
    ];
    for (const line of lines) {
      const parsed = parseAgentLine(JSON.stringify(line));
      expect(parsed).toEqual({ ok: true, line: { type: line.type, payload: line.payload } });
    }
  });

  it('says what is wrong, with the payload path', () => {
    expect(problem('{"type": "agent_thinking",')).toMatch(/^not JSON \(/);
    expect(problem([1])).toBe('expected an object {"type", "payload"}, got an array');
    expect(problem({ type: 'agent_started', payload: {} })).toBe(
      'type must be one of agent_thinking, tool_executing, tool_completed, agent_completed (got "agent_started")',
    );
    expect(problem({ payload: {} })).toMatch(/\(got none\)$/);
    expect(problem({ type: 'agent_thinking', payload: { thought: 'x' } })).toBe('payload.step: Invalid input: expected number, received undefined');
    expect(problem({ type: 'tool_executing', payload: { tool: 't', call_id: 'c', args: 'x' } })).toMatch(/^payload\.args: /);
    expect(problem({ type: 'tool_completed', payload: { tool: 't', call_id: 'c', ok: 'yes' } })).toBe(
      'payload.ok: Invalid input: expected boolean, received string; payload.duration_ms: Invalid input: expected number, received undefined',
    );
    expect(problem({ type: 'agent_thinking' })).toMatch(/^payload: /);
  });

  it('allows only succeeded and failed, and a response string when succeeded', () => {
    expect(problem({ type: 'agent_completed', payload: { status: 'cancelled', response: null, error: null } })).toBe(
      'payload.status: must be "succeeded" or "failed" (got "cancelled")',
    );
    expect(problem({ type: 'agent_completed', payload: { status: 'succeeded', response: null, error: null } })).toBe(
      'payload.response: a succeeded agent_completed needs a response string',
    );
    expect(problem({ type: 'agent_completed', payload: { status: 'done', response: 'x', error: null } })).toMatch(/^payload\.status: /);
    expect(
      problem({ type: 'agent_completed', payload: { status: 'succeeded', response: 'x', error: null, usage: { input_tokens: -1, output_tokens: 0 } } }),
    ).toMatch(/^payload\.usage\.input_tokens: /);
  });
});
