import { describe, expect, it, vi } from 'vitest';
import { argumentProblems, prepareTool } from './tool-schema.ts';

describe('tool argument schemas', () => {
  it('checks `format` (MCP servers declare uri, email, date-time) and says nothing on stderr about it', () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const warn = vi.spyOn(console, 'warn');
    const tool = {
      name: 'fetch.page',
      parameters: {
        type: 'object' as const,
        properties: {
          url: { type: 'string', format: 'uri' },
          when: { type: 'string', format: 'date-time' },
          odd: { type: 'string', format: 'no-such-format' },
        },
        required: ['url'],
      },
    };
    prepareTool(tool);
    expect(argumentProblems(tool, { url: 'https://example.com/a', when: '2026-12-07T10:00:00Z', odd: 'anything' })).toEqual([]);
    expect(argumentProblems(tool, { url: 'not a uri', when: 'yesterday' })).toEqual([
      'args.url: must match format "uri"',
      'args.when: must match format "date-time"',
    ]);
    expect(stderr).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    stderr.mockRestore();
    warn.mockRestore();
  });
});
