/**
 * Why a run through an AG-UI agent failed (the error table of docs/ag-ui.md). The message is
 * what the run's `agent_completed.error` says (one line, no credentials); `code` says which
 * failure it was, for tests, logs and the docs.
 */
export type AguiAgentErrorCode =
  /** An SSE event whose data is not JSON, not an object, not UTF-8, too long, or fails @ag-ui/core's schema. */
  | 'invalid_event'
  /** An event that breaks AG-UI's lifecycle (no RUN_STARTED first, content of a message never started...). */
  | 'lifecycle_violation'
  /** The agent answered with a status outside 2xx. */
  | 'http_status'
  /** The agent answered 2xx with a content type other than text/event-stream. */
  | 'content_type'
  /** The stream ended before RUN_FINISHED or RUN_ERROR. */
  | 'no_completion'
  /** The connection could not be made, or broke mid-stream. */
  | 'connection'
  /** No bytes for idleTimeoutMs. */
  | 'idle_timeout'
  /** The whole exchange (every round) took longer than timeoutMs. */
  | 'timeout'
  /** The agent sent RUN_ERROR; the message is the agent's. */
  | 'agent_failed'
  /** RUN_FINISHED with an `interrupt` or `cancelled` outcome (human-in-the-loop Flowscope cannot answer). */
  | 'unsupported_outcome'
  /** Still calling Flowscope's tools after maxRounds runs. */
  | 'too_many_rounds'
  /** A message, reasoning text or tool call's arguments longer than the limit. */
  | 'too_long';

export class AguiAgentError extends Error {
  constructor(
    readonly code: AguiAgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AguiAgentError';
  }
}

/** A bad `--agent-protocol` / AGENT_PROTOCOLS entry or createAguiAgent option (start-up stops). */
export class AguiAgentConfigError extends Error {
  readonly code = 'invalid_agent_config';
  constructor(message: string) {
    super(message);
    this.name = 'AguiAgentConfigError';
  }
}
