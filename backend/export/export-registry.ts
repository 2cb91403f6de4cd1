/**
 * Export formats for stored runs, registered by name (`otlp`, `ag-ui`, ...). A format turns
 * one or more runs (their record and every event, in seq order) into one file; the REST
 * route (`GET /api/runs/:runId/export?format=NAME`) and `flowscope export --format NAME` look
 * formats up here. A new format is a file in this folder exporting an ExportFormat and one
 * `registerExportFormat(...)` line in `backend/export/index.ts`.
 */
import type { RunEventEnvelope } from '../../protocol/index.ts';
import type { RunRecord } from '../store/store-types.ts';

/** One run to export: its stored record and its events in seq order. */
export interface ExportRun {
  run: RunRecord;
  events: readonly RunEventEnvelope[];
}

/** What a format may consult besides the runs (optional: the process's own values by default). */
export interface ExportContext {
  /** The environment (`OTEL_*` settings for `otlp`); default process.env. */
  env?: Record<string, string | undefined>;
}

export interface ExportFormat {
  /** The `format` value that selects it (`otlp`). */
  readonly name: string;
  /** The HTTP Content-Type of what `write` returns. */
  readonly contentType: string;
  /** Without the dot (`json`, `jsonl`). */
  readonly fileExtension: string;
  /** One line for `--help` and error messages. */
  readonly description?: string;
  /** The file's text for these runs (ordered as given). */
  write(runs: readonly ExportRun[], context?: ExportContext): string;
}

const FORMATS = new Map<string, ExportFormat>();

/** Adds a format; a second format of the same name is a programming error. */
export function registerExportFormat(format: ExportFormat): void {
  if (FORMATS.has(format.name)) throw new Error(`export format "${format.name}" registered twice`);
  FORMATS.set(format.name, format);
}

/** The format of that name, or undefined. */
export function exportFormat(name: string): ExportFormat | undefined {
  return FORMATS.get(name);
}

/** Every registered format's name, sorted. */
export function exportFormatNames(): string[] {
  return [...FORMATS.keys()].sort();
}
