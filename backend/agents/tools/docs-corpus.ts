/**
 * The small documentation corpus bundled with the `search_docs` tool: short notes about
 * Flowscope and its wire protocol (docs/protocol.md is the full text). Ids are stable:
 * search results tie-break on them.
 */

export interface DocEntry {
  readonly id: string;
  readonly title: string;
  readonly text: string;
}

export const DOCS_CORPUS: readonly DocEntry[] = [
  {
    id: 'overview',
    title: 'What Flowscope is',
    text:
      'Flowscope is a developer console and messaging backend for agents. You craft messages as several users, ' +
      'watch the five agent events of every run live, and replay scenarios. The backend serves Socket.IO, a plain ' +
      'WebSocket endpoint and a REST API from one HTTP server; the console is its web build.',
  },
  {
    id: 'transports',
    title: 'Transports: Socket.IO and /ws',
    text:
      'One HTTP server, by default on 127.0.0.1:8000, serves Socket.IO v4 at /socket.io and a plain WebSocket at /ws. ' +
      'Both carry the same JSON envelopes and go through the same pipeline. With Socket.IO a client emits the event ' +
      '"message"; on /ws every envelope is one text frame.',
  },
  {
    id: 'authentication',
    title: 'Authentication with JWT',
    text:
      'Connections authenticate with a JWT signed HS256 with JWT_SECRET. The token needs the claims sub (the user id) ' +
      'and exp; alg none is refused and 30 seconds of clock skew are allowed. Socket.IO sends the token as auth.token ' +
      'in the handshake; /ws takes an Authorization Bearer header or a token query parameter. Refusals use the codes ' +
      'AUTH_REQUIRED, AUTH_INVALID, AUTH_EXPIRED and TOO_MANY_CONNECTIONS.',
  },
  {
    id: 'dev-token',
    title: 'Getting a development token',
    text:
      'POST /api/dev/token with {"user_id": "alice", "ttl_s": 3600} returns {"token": "..."}. The helper is enabled ' +
      'only when the server binds to a loopback address, so it never hands out tokens on a public interface.',
  },
  {
    id: 'user-message',
    title: 'Sending a user message',
    text:
      'A user_message envelope carries payload.content (the text) and optionally payload.agent, a message_id for ' +
      'de-duplication, a thread_id (a new thread is created when absent) and a priority. The user id always comes from ' +
      'the token; a different user_id inside the message is refused with FORBIDDEN.',
  },
  {
    id: 'normalization',
    title: 'Message normalization and aliases',
    text:
      'Before validation the backend normalizes messages: data is accepted for payload, type names match ' +
      'case-insensitively with dashes read as underscores, chat, message and user_msg mean user_message, an object ' +
      'with content and no type is a user_message, and a bare JSON string is a user_message with that content.',
  },
  {
    id: 'size-limit',
    title: 'The 8192-byte message limit',
    text:
      'An inbound message larger than 8192 bytes is refused with MESSAGE_TOO_LARGE and is not processed. The size is ' +
      'the UTF-8 length of the text as received, or of JSON.stringify of an object when Socket.IO delivers one.',
  },
  {
    id: 'run-events',
    title: 'The five run events',
    text:
      'Every run emits agent_started when it begins, agent_thinking one or more times with a thought and a step, ' +
      'tool_executing before each tool call with the tool, call_id and args, tool_completed after it with ok, result ' +
      'or error and duration_ms, and agent_completed last with the status, response, error and duration_ms.',
  },
  {
    id: 'event-order',
    title: 'Event order and seq numbers',
    text:
      'For the default agent the order is always agent_started, agent_thinking one or more times, then pairs of ' +
      'tool_executing and tool_completed, and finally agent_completed. Each event has a seq that starts at 1 and ' +
      'increases by 1 within a run, so a client can detect a gap and resume.',
  },
  {
    id: 'run-status',
    title: 'Run statuses',
    text:
      'A run is queued, then running, and ends succeeded, failed, cancelled or interrupted. agent_completed reports the ' +
      'final status exactly once per run: failed carries the error, cancelled follows a cancel_run, and interrupted ' +
      'marks a run cut off by a backend crash.',
  },
  {
    id: 'error-codes',
    title: 'Error codes',
    text:
      'A refused message gets an error envelope with a code and a message, never a stack trace: INVALID_JSON, ' +
      'MESSAGE_TOO_LARGE, VALIDATION_FAILED with the failing paths in details, UNKNOWN_TYPE, FORBIDDEN, NOT_FOUND, ' +
      'RATE_LIMITED with retry_after_ms, QUEUE_FULL, the auth codes, UNAVAILABLE and INTERNAL. A refused message never ' +
      'closes the connection.',
  },
  {
    id: 'priorities',
    title: 'Priorities and the per-user queue',
    text:
      "A user's runs execute one at a time, in priority order high, normal, low, and first in first out within a " +
      'priority. The default priority is normal. Different users run concurrently, so one busy user never blocks ' +
      'another. Too many queued runs for a user are refused with QUEUE_FULL.',
  },
  {
    id: 'deduplication',
    title: 'De-duplication with message_id',
    text:
      'A message_id seen again for the same user is not executed twice. The answer is a message_ack with duplicate ' +
      'true and the original run_id, so a client can retry a send safely after a reconnect.',
  },
  {
    id: 'message-ack',
    title: 'Acknowledgements',
    text:
      'An accepted user_message is answered by message_ack with the message_id, run_id, thread_id, queue_position and ' +
      'duplicate. The run_id identifies the run whose events follow.',
  },
  {
    id: 'resume',
    title: 'Resuming after a disconnect',
    text:
      'Messages, runs and events are persisted before they are emitted. A client that was disconnected sends resume ' +
      'with payload.run_id and payload.after_seq, and the backend re-sends every persisted event of that run with a ' +
      'higher seq, so nothing is missed.',
  },
  {
    id: 'cancel',
    title: 'Cancelling a run',
    text:
      'Send cancel_run with payload.run_id to stop a queued or running run of your own. The agent is signalled to stop ' +
      "and the run ends with agent_completed status cancelled. Cancelling another user's run is NOT_FOUND.",
  },
  {
    id: 'restart-recovery',
    title: 'Restarts and interrupted runs',
    text:
      'Queued runs survive a backend restart and execute when it comes back. A run that was running when the backend ' +
      'crashed cannot continue; it ends with status interrupted so clients still see exactly one agent_completed.',
  },
  {
    id: 'rate-limits',
    title: 'Rate and connection limits',
    text:
      'Per-user message rates and connection counts are configurable. Exceeding the rate is answered RATE_LIMITED ' +
      'with retry_after_ms; too many connections for one user is TOO_MANY_CONNECTIONS. Limits never affect other users.',
  },
  {
    id: 'delivery',
    title: 'Who receives events',
    text:
      "Events go to every connection of the run's user, on any transport, and to nobody else. A user with the console " +
      'open in two windows sees the same run live in both.',
  },
  {
    id: 'http-api',
    title: 'Health check and REST API',
    text:
      'GET /health answers status ok with the store, cache, uptime_s, queue_depth and connections, or 503 naming the ' +
      'failing dependency. GET /api/threads, /api/threads/:id/messages and /api/runs/:id/events need a Bearer token; ' +
      "another user's thread or run is a 404.",
  },
  {
    id: 'configuration',
    title: 'Configuration and storage',
    text:
      'Settings are HOST, PORT, DATA_DIR and JWT_SECRET; DATABASE_URL selects PostgreSQL, otherwise SQLite in the data ' +
      'directory; REDIS_URL selects Redis, otherwise an in-process cache. The CLI accepts the same settings as flags.',
  },
  {
    id: 'assistant-agent',
    title: 'The assistant agent',
    text:
      'assistant is the default agent. It thinks, then picks tools from the content: calculator for an arithmetic ' +
      'expression, clock when you ask for the time or date, and search_docs over this small corpus otherwise. It always ' +
      'calls at least one tool and answers from the results, deterministically for the same input.',
  },
  {
    id: 'scripted-agent',
    title: 'The scripted agent for QA',
    text:
      'Set payload.agent to scripted and list steps in payload.script: think emits agent_thinking, tool with args, ' +
      'result, delay_ms, fail and error simulates a tool call, respond sets the final response and fail_run ends the ' +
      'run failed with that error. QA uses it to reproduce a flow exactly, failures and delays included.',
  },
  {
    id: 'tools',
    title: 'Built-in tools',
    text:
      'calculator evaluates arithmetic safely with + - * / % ^, parentheses, sqrt, abs, min, max, round, floor, ceil, ' +
      'ln, log, pi and e. clock tells the current time in UTC or an IANA timezone such as Europe/Paris. search_docs ' +
      'ranks this documentation with BM25 and returns the best snippets.',
  },
];
