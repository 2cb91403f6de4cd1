import { describe, expect, it } from 'vitest';
import { attachmentName, EXPORT_FORMATS, runExportUrl } from './run-export.ts';

describe('run exports', () => {
  it('link to the export route of the run, one per format', () => {
    expect(EXPORT_FORMATS.map((f) => f.format)).toEqual(['otlp', 'ag-ui']);
    expect(runExportUrl('http://127.0.0.1:8000/', 'run_1', 'otlp')).toBe('http://127.0.0.1:8000/api/runs/run_1/export?format=otlp');
    expect(runExportUrl('http://h:1', 'run a/b', 'ag-ui')).toBe('http://h:1/api/runs/run%20a%2Fb/export?format=ag-ui');
  });

  it("save under the server's file name, else a fallback", () => {
    expect(attachmentName('attachment; filename="run_1.otlp.json"', 'x.json')).toBe('run_1.otlp.json');
    expect(attachmentName(null, 'x.json')).toBe('x.json');
    expect(attachmentName('inline', 'x.json')).toBe('x.json');
  });
});
