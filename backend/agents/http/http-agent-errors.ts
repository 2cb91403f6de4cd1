/**
 * Why a run through an agent over HTTP failed. The message is what the run's
 * `agent_completed.error` says (one line, no stack, no credentials); `code` says which
 * failure it was, for tests, logs and the docs' failure table.
 */
export type HttpAgentErrorCode =
  /** A line that is not JSON, not valid UTF-8, too long, or not one of the four events. */
  | 'invalid_line'
  /** A line that breaks the event rules (a reused call id, an unpaired tool_completed...). */
  | 'protocol_violation'
  /** The agent answered with a status outside 2xx. */
  | 'http_status'
  /** The response ended before an agent_completed line. */
  | 'no_completion'
  /** A line came after agent_completed. */
  | 'after_completion'
  /** The connection could not be made, or broke mid-answer. */
  | 'connection'
  /** No bytes for idleTimeoutMs. */
  | 'idle_timeout'
  /** The whole exchange took longer than timeoutMs. */
  | 'timeout'
  /** The agent's agent_completed said `failed`; the message is the agent's error. */
  | 'agent_failed';

export class HttpAgentError extends Error {
  constructor(
    readonly code: HttpAgentErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpAgentError';
  }
}

/** A bad AGENT_URLS / --agent-url entry or createHttpAgent option (start-up stops). */
export class HttpAgentConfigError extends Error {
  readonly code = 'invalid_agent_config';
  constructor(message: string) {
    super(message);
    this.name = 'HttpAgentConfigError';
  }
}
