import { describe, expect, it } from 'vitest';
import { createDefaultTools } from './tool-registry.ts';

const signal = new AbortController().signal;

describe('createDefaultTools', () => {
  it('holds calculator, clock and search_docs, keyed by name', () => {
    const tools = createDefaultTools();
    expect([...tools.keys()]).toEqual(['calculator', 'clock', 'search_docs']);
    for (const [name, tool] of tools) expect(tool.name).toBe(name);
  });

  it('passes now() to the clock', async () => {
    const tools = createDefaultTools({ now: () => new Date('2030-02-03T04:05:06Z') });
    await expect(tools.get('clock')?.execute({}, signal)).resolves.toMatchObject({ iso: '2030-02-03T04:05:06.000Z' });
  });
});
