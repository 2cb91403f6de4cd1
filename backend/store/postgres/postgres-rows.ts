/** How PostgreSQL columns convert as pg returns them: timestamptz as Date, json already parsed. */
import { rowMappers } from '../store-rows.ts';

export interface PgColumns {
  timestamp: Date | string;
  json: unknown;
}

export const { toEvent, toMessage, toMessageWithRun, toRun, toRunSummary, toThread, toThreadSummary } = rowMappers<PgColumns>({
  timestamp: (value) => (value instanceof Date ? value : new Date(value)).toISOString(),
  // json columns arrive parsed; a text column would arrive as a string.
  json: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
});
