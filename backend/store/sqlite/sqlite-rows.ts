/** How SQLite columns convert: timestamps are stored as ISO 8601 text, JSON as text. */
import { rowMappers } from '../store-rows.ts';

export interface SqliteColumns {
  timestamp: string;
  json: string;
}

export const { toEvent, toMessage, toMessageWithRun, toRun, toRunSummary, toThread, toThreadSummary } = rowMappers<SqliteColumns>({
  timestamp: (value) => value,
  json: (value) => JSON.parse(value),
});
