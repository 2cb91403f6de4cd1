import { describe, expect, it } from 'vitest';
import { createAgentRegistry } from './agent-registry.ts';
import type { Agent } from './agent-types.ts';

function fakeAgent(name: string): Agent {
  return { name, description: name, run: () => Promise.resolve({ response: name }) };
}

describe('createAgentRegistry', () => {
  it('holds the built-in agents, assistant by default', () => {
    const registry = createAgentRegistry();
    expect(registry.names()).toEqual(['assistant', 'scripted']);
    expect(registry.defaultAgent).toBe('assistant');
    expect(registry.get(registry.defaultAgent)?.name).toBe('assistant');
    expect(registry.has('scripted')).toBe(true);
  });

  it('registers another agent in one call', () => {
    const registry = createAgentRegistry();
    const llm = fakeAgent('llm');
    registry.register(llm);
    expect(registry.get('llm')).toBe(llm);
    expect(registry.names()).toEqual(['assistant', 'scripted', 'llm']);
  });

  it('refuses duplicate names', () => {
    const registry = createAgentRegistry();
    expect(() => registry.register(fakeAgent('assistant'))).toThrow("an agent named 'assistant' is already registered");
    expect(() => createAgentRegistry([fakeAgent('x'), fakeAgent('x')])).toThrow(/already registered/);
  });

  it('refuses invalid names', () => {
    const registry = createAgentRegistry([]);
    expect(() => registry.register(fakeAgent(''))).toThrow(/invalid agent name/);
    expect(() => registry.register(fakeAgent('has space'))).toThrow(/invalid agent name/);
    expect(() => registry.register(fakeAgent('x'.repeat(65)))).toThrow(/invalid agent name/);
  });

  it('builds from a given list only', () => {
    const registry = createAgentRegistry([fakeAgent('only')]);
    expect(registry.names()).toEqual(['only']);
    expect(registry.has('assistant')).toBe(false);
  });

  it('is exact and safe with unusual names', () => {
    const registry = createAgentRegistry();
    expect(registry.has('Assistant')).toBe(false);
    expect(registry.has('constructor')).toBe(false);
    expect(registry.get('__proto__')).toBeUndefined();
  });
});
