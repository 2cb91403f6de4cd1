/**
 * Row shapes of the store tables and their mapping to domain records, shared by the SQLite
 * and PostgreSQL adapters. The drivers differ only in how timestamp and JSON columns arrive
 * (`ColumnTypes`); each adapter passes those two conversions to `rowMappers`.
 */
import type { Priority, RunEventEnvelope, RunStatus } from '../../protocol/index.ts';
import type { MessageRecord, MessageWithRun, RunInput, RunRecord, RunSummaryRecord, StoredEvent, ThreadRecord, ThreadSummaryRecord } from './store-types.ts';

/** What one driver returns for a timestamp column and for a JSON column. */
export interface ColumnTypes {
  timestamp: unknown;
  json: unknown;
}

export interface ThreadRow<C extends ColumnTypes> {
  id: string;
  user_id: string;
  title: string;
  created_at: C['timestamp'];
  updated_at: C['timestamp'];
}

/** Counts are numbers; a bigint count would arrive as a string. */
export interface ThreadSummaryRow<C extends ColumnTypes> extends ThreadRow<C> {
  message_count: number | string;
}

export interface MessageRow<C extends ColumnTypes> {
  id: string;
  thread_id: string;
  user_id: string;
  client_message_id: string | null;
  content: string;
  agent: string;
  priority: string;
  created_at: C['timestamp'];
}

export interface MessageWithRunRow<C extends ColumnTypes> extends MessageRow<C> {
  run_id: string;
  run_status: string;
}

export interface RunRow<C extends ColumnTypes> {
  id: string;
  user_id: string;
  thread_id: string;
  message_id: string;
  agent: string;
  priority: string;
  status: string;
  input: C['json'];
  response: string | null;
  error: string | null;
  created_at: C['timestamp'];
  started_at: C['timestamp'] | null;
  ended_at: C['timestamp'] | null;
  owner_id: string | null;
}

export interface RunSummaryRow<C extends ColumnTypes> extends RunRow<C> {
  event_count: number | string;
}

export interface EventRow<C extends ColumnTypes> {
  run_id: string;
  seq: number;
  user_id: string;
  type: string;
  envelope: C['json'];
  created_at: C['timestamp'];
}

export const RUN_COLUMNS = 'id, user_id, thread_id, message_id, agent, priority, status, input, response, error, created_at, started_at, ended_at, owner_id';
export const MESSAGE_COLUMNS = 'id, thread_id, user_id, client_message_id, content, agent, priority, created_at';
export const THREAD_COLUMNS = 'id, user_id, title, created_at, updated_at';
export const EVENT_COLUMNS = 'run_id, seq, user_id, type, envelope, created_at';

/** `columns` qualified with a table alias: `prefixed('r', 'id, seq')` is `r.id, r.seq`. */
export function prefixed(alias: string, columns: string): string {
  return columns
    .split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');
}

/** How a driver's column values become domain values. */
export interface RowConversions<C extends ColumnTypes> {
  /** A timestamp column as an ISO 8601 string. */
  timestamp: (value: C['timestamp']) => string;
  /** A JSON column as the value it holds. */
  json: (value: C['json']) => unknown;
}

/** The row → record mappers of one driver. */
export function rowMappers<C extends ColumnTypes>(convert: RowConversions<C>) {
  const { timestamp, json } = convert;
  const timestampOrNull = (value: C['timestamp'] | null): string | null => (value === null ? null : timestamp(value));

  function toThread(row: ThreadRow<C>): ThreadRecord {
    return { id: row.id, userId: row.user_id, title: row.title, createdAt: timestamp(row.created_at), updatedAt: timestamp(row.updated_at) };
  }

  function toThreadSummary(row: ThreadSummaryRow<C>): ThreadSummaryRecord {
    return { ...toThread(row), messageCount: Number(row.message_count) };
  }

  function toMessage(row: MessageRow<C>): MessageRecord {
    return {
      id: row.id,
      threadId: row.thread_id,
      userId: row.user_id,
      clientMessageId: row.client_message_id,
      content: row.content,
      agent: row.agent,
      priority: row.priority as Priority,
      createdAt: timestamp(row.created_at),
    };
  }

  function toMessageWithRun(row: MessageWithRunRow<C>): MessageWithRun {
    return { ...toMessage(row), runId: row.run_id, runStatus: row.run_status as RunStatus };
  }

  function toRun(row: RunRow<C>): RunRecord {
    return {
      id: row.id,
      userId: row.user_id,
      threadId: row.thread_id,
      messageId: row.message_id,
      agent: row.agent,
      priority: row.priority as Priority,
      status: row.status as RunStatus,
      input: json(row.input) as RunInput,
      response: row.response,
      error: row.error,
      createdAt: timestamp(row.created_at),
      startedAt: timestampOrNull(row.started_at),
      endedAt: timestampOrNull(row.ended_at),
      ownerId: row.owner_id,
    };
  }

  function toRunSummary(row: RunSummaryRow<C>): RunSummaryRecord {
    return { ...toRun(row), eventCount: Number(row.event_count) };
  }

  function toEvent(row: EventRow<C>): StoredEvent {
    return {
      runId: row.run_id,
      seq: row.seq,
      userId: row.user_id,
      type: row.type as StoredEvent['type'],
      envelope: json(row.envelope) as RunEventEnvelope,
      createdAt: timestamp(row.created_at),
    };
  }

  return { toThread, toThreadSummary, toMessage, toMessageWithRun, toRun, toRunSummary, toEvent };
}
