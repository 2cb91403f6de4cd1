import { describe, expect, it } from 'vitest';
import { harFileName, sessionFromHarText } from './har-file.ts';

describe('HAR files', () => {
  it('names the file after the scenario', () => {
    expect(harFileName('Recorded session 2025-11-24 20:31:05')).toBe('recorded-session-2025-11-24-20-31-05.har');
    expect(harFileName('!!!')).toBe('session.har');
  });

  it('refuses text that is not JSON', () => {
    const read = sessionFromHarText('{oops');
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error).toContain('not a HAR file');
  });
});
