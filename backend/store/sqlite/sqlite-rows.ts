/** Row shapes of the SQLite tables and their mapping to domain records. */
import type { Priority, RunEventEnvelope, RunStatus } from '../../../protocol/index.ts';
import type {
  MessageRecord,
  MessageWithRun,
  RunInput,
  RunRecord,
  RunSummaryRecord,
  StoredEvent,
  ThreadRecord,
  ThreadSummaryRecord,
} from '../store-types.ts';

export interface ThreadRow {
  id: string;
  user_id: string;
  title: string;
  created_at: string;
  updated_at: string;
}

export interface ThreadSummaryRow extends ThreadRow {
  message_count: number;
}

export interface MessageRow {
  id: string;
  thread_id: string;
  user_id: string;
  client_message_id: string | null;
  content: string;
  agent: string;
  priority: string;
  created_at: string;
}

export interface MessageWithRunRow extends MessageRow {
  run_id: string;
  run_status: string;
}

export interface RunRow {
  id: string;
  user_id: string;
  thread_id: string;
  message_id: string;
  agent: string;
  priority: string;
  status: string;
  input: string;
  response: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  owner_id: string | null;
}

export interface RunSummaryRow extends RunRow {
  event_count: number;
}

export interface EventRow {
  run_id: string;
  seq: number;
  user_id: string;
  type: string;
  envelope: string;
  created_at: string;
}

export const RUN_COLUMNS =
  'id, user_id, thread_id, message_id, agent, priority, status, input, response, error, created_at, started_at, ended_at, owner_id';
export const MESSAGE_COLUMNS = 'id, thread_id, user_id, client_message_id, content, agent, priority, created_at';
export const THREAD_COLUMNS = 'id, user_id, title, created_at, updated_at';
export const EVENT_COLUMNS = 'run_id, seq, user_id, type, envelope, created_at';

export function toThread(row: ThreadRow): ThreadRecord {
  return { id: row.id, userId: row.user_id, title: row.title, createdAt: row.created_at, updatedAt: row.updated_at };
}

export function toThreadSummary(row: ThreadSummaryRow): ThreadSummaryRecord {
  return { ...toThread(row), messageCount: row.message_count };
}

export function toMessage(row: MessageRow): MessageRecord {
  return {
    id: row.id,
    threadId: row.thread_id,
    userId: row.user_id,
    clientMessageId: row.client_message_id,
    content: row.content,
    agent: row.agent,
    priority: row.priority as Priority,
    createdAt: row.created_at,
  };
}

export function toMessageWithRun(row: MessageWithRunRow): MessageWithRun {
  return { ...toMessage(row), runId: row.run_id, runStatus: row.run_status as RunStatus };
}

export function toRun(row: RunRow): RunRecord {
  return {
    id: row.id,
    userId: row.user_id,
    threadId: row.thread_id,
    messageId: row.message_id,
    agent: row.agent,
    priority: row.priority as Priority,
    status: row.status as RunStatus,
    input: JSON.parse(row.input) as RunInput,
    response: row.response,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    ownerId: row.owner_id,
  };
}

export function toRunSummary(row: RunSummaryRow): RunSummaryRecord {
  return { ...toRun(row), eventCount: row.event_count };
}

export function toEvent(row: EventRow): StoredEvent {
  return {
    runId: row.run_id,
    seq: row.seq,
    userId: row.user_id,
    type: row.type as StoredEvent['type'],
    envelope: JSON.parse(row.envelope) as RunEventEnvelope,
    createdAt: row.created_at,
  };
}
