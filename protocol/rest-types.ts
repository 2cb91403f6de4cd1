/** Shapes of the HTTP API (protocol.md §6), shared by the backend and its clients. */
import type { FinalRunStatus, Priority, RunStatus } from './envelope-types.ts';

export interface HealthResponse {
  status: 'ok' | 'degraded';
  /** The store adapter's label: `sqlite`, `postgres`. */
  store: string;
  /** The store's driver where it has a choice: SQLite's `better-sqlite3` or `node` (node:sqlite). */
  store_driver?: string;
  /** The cache adapter's label: `memory`, `redis`. */
  cache: string;
  uptime_s: number;
  queue_depth: number;
  running: number;
  connections: number;
  instance_id: string;
  version: string;
  /** Present with status 503: the dependencies that failed, e.g. `["store"]`. */
  failing?: string[];
  error?: string;
}

export interface ThreadSummary {
  id: string;
  user_id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
}

export interface MessageRecordDto {
  id: string;
  thread_id: string;
  user_id: string;
  client_message_id: string | null;
  content: string;
  agent: string;
  priority: Priority;
  created_at: string;
  run_id: string;
  run_status: RunStatus;
}

export interface RunSummary {
  id: string;
  thread_id: string;
  message_id: string;
  user_id: string;
  agent: string;
  priority: Priority;
  status: RunStatus;
  response: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
  event_count: number;
}

export interface TokenResponse {
  token: string;
  user_id: string;
  expires_at: string;
}

export interface ApiErrorBody {
  error: { code: string; message: string };
}

// ---- the scenario library (/api/scenarios, a loopback-only dev endpoint) ----

export type ScenarioSource = 'builtin' | 'saved';
export type ScenarioFormat = 'json' | 'yaml';

/** A problem with a scenario (scenario/scenario-schema.ts validates them). */
export interface ScenarioIssue {
  /** JSON path, e.g. `steps[3].send.as`. */
  path: string;
  message: string;
}

export interface ScenarioSummary {
  id: string;
  name: string;
  tags: string[];
  description?: string | undefined;
  source: ScenarioSource;
  /** Path relative to the source folder, e.g. `golden/complete-flow.yaml`. */
  file: string;
  format: ScenarioFormat;
  /** Last modification of the file, ISO 8601. */
  updated_at: string;
  valid: boolean;
  issues?: ScenarioIssue[];
}

export interface ScenarioDocument extends ScenarioSummary {
  text: string;
}

export interface ScenarioResultSummary {
  result_id: string;
  started_at: string;
  /** The result's `status` (`passed`/`failed`), or derived from a report's summary; `unknown` otherwise. */
  status: string;
  duration_ms: number | null;
}

export interface StoredScenarioResult extends ScenarioResultSummary {
  /** The stored JSON object. */
  result: Record<string, unknown>;
}

export type { FinalRunStatus };

// ---- agents and tools (GET /api/agents, Bearer token) ----

/** Where an agent comes from: built in, a module (`--agent`), the LLM agent, or an agent over HTTP (`--agent-url`). */
export type AgentSource = 'builtin' | 'module' | 'llm' | 'http' | 'ag-ui';

export interface ToolDescriptor {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface AgentDescriptor {
  name: string;
  description: string;
  source: AgentSource;
  /** The module file or endpoint URL (without credentials), when there is one. */
  origin?: string;
}

export interface AgentsResponse {
  /** The agent of a message without `payload.agent`. */
  default_agent: string;
  agents: AgentDescriptor[];
  /** Every tool an agent may call (built-in and modules'), offered to every agent. */
  tools: ToolDescriptor[];
}
