/**
 * Zod schemas of every envelope (protocol.md §3, §4). The TypeScript types in
 * `envelope-types.ts` are inferred from these, so the runtime check and the static type
 * are one definition.
 */
import { z } from 'zod';
import { USER_ID_PATTERN } from './limits.ts';

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export const prioritySchema = z.enum(PRIORITIES);

export const RUN_EVENT_TYPES = ['agent_started', 'agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'] as const;

/**
 * The golden path's checklist: the event types a complete run of the built-in agents shows
 * (protocol.md §5). What judges a run's completeness uses this list; RUN_EVENT_TYPES says
 * what is a run event, so adding a run event type does not make every run incomplete.
 */
export const GOLDEN_PATH_EVENTS = [
  'agent_started',
  'agent_thinking',
  'tool_executing',
  'tool_completed',
  'agent_completed',
] as const satisfies readonly (typeof RUN_EVENT_TYPES)[number][];

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const FINAL_RUN_STATUSES = ['succeeded', 'failed', 'cancelled', 'interrupted'] as const;

export const CLIENT_MESSAGE_TYPES = ['user_message', 'ping', 'cancel_run', 'resume'] as const;
export const SERVER_EVENT_TYPES = [...RUN_EVENT_TYPES, 'message_ack', 'error', 'pong'] as const;

const idSchema = z.string().min(1).max(128);
export const userIdSchema = z.string().regex(USER_ID_PATTERN, 'user id: 1-128 chars of [A-Za-z0-9_.:@-]');

// ---- scripted agent steps (protocol.md §8) ----
export const scriptThinkStepSchema = z.strictObject({ think: z.string().max(4000) });
export const scriptToolStepSchema = z.strictObject({
  tool: z.string().min(1).max(64),
  args: z.record(z.string(), z.unknown()).optional(),
  result: z.unknown().optional(),
  delay_ms: z.number().int().min(0).max(60_000).optional(),
  fail: z.boolean().optional(),
  error: z.string().max(2000).optional(),
});
export const scriptRespondStepSchema = z.strictObject({ respond: z.string().max(8000) });
/** Extension (docs/protocol.md): ends the run `failed` with this error. */
export const scriptFailRunStepSchema = z.strictObject({ fail_run: z.string().min(1).max(2000) });
export const scriptStepSchema = z.union([scriptThinkStepSchema, scriptToolStepSchema, scriptRespondStepSchema, scriptFailRunStepSchema]);

// ---- client to server ----
export const userMessagePayloadSchema = z.object({
  content: z.string().min(1, 'content must not be empty').max(8192),
  agent: z.string().min(1).max(64).optional(),
  script: z.array(scriptStepSchema).max(100).optional(),
});

export const userMessageSchema = z.object({
  type: z.literal('user_message'),
  message_id: idSchema.optional(),
  thread_id: idSchema.optional(),
  priority: prioritySchema.optional(),
  user_id: z.string().optional(),
  payload: userMessagePayloadSchema,
});

export const pingSchema = z.object({
  type: z.literal('ping'),
  message_id: idSchema.optional(),
  user_id: z.string().optional(),
  payload: z.record(z.string(), z.unknown()).optional(),
});

export const cancelRunSchema = z.object({
  type: z.literal('cancel_run'),
  message_id: idSchema.optional(),
  user_id: z.string().optional(),
  payload: z.object({ run_id: idSchema }),
});

export const resumeSchema = z.object({
  type: z.literal('resume'),
  message_id: idSchema.optional(),
  user_id: z.string().optional(),
  payload: z.object({ run_id: idSchema, after_seq: z.number().int().min(0) }),
});

export const clientEnvelopeSchema = z.discriminatedUnion('type', [userMessageSchema, pingSchema, cancelRunSchema, resumeSchema]);

/** The schema per client type, for validating a message whose type is already known. */
export const CLIENT_SCHEMAS = {
  user_message: userMessageSchema,
  ping: pingSchema,
  cancel_run: cancelRunSchema,
  resume: resumeSchema,
} as const;

// ---- server to client ----
const envelopeBase = {
  run_id: z.string().optional(),
  thread_id: z.string().optional(),
  message_id: z.string().optional(),
  user_id: z.string().optional(),
  seq: z.number().int().min(1).optional(),
  timestamp: z.string(),
};

export const agentStartedPayloadSchema = z.object({ agent: z.string(), input: z.string() });
export const agentThinkingPayloadSchema = z.object({ thought: z.string(), step: z.number().int() });
export const toolExecutingPayloadSchema = z.object({
  tool: z.string(),
  call_id: z.string(),
  args: z.record(z.string(), z.unknown()),
});
export const toolCompletedPayloadSchema = z.object({
  tool: z.string(),
  call_id: z.string(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: z.string().optional(),
  duration_ms: z.number(),
});
/** Token counts of a run's model calls (an extension: agents that report usage). */
export const tokenUsageSchema = z.object({ input_tokens: z.number().int().min(0), output_tokens: z.number().int().min(0) });
export const agentCompletedPayloadSchema = z.object({
  status: z.enum(FINAL_RUN_STATUSES),
  response: z.string().nullable(),
  error: z.string().nullable(),
  duration_ms: z.number(),
  usage: tokenUsageSchema.optional(),
});
export const messageAckPayloadSchema = z.object({
  message_id: z.string(),
  run_id: z.string(),
  thread_id: z.string(),
  queue_position: z.number().int().min(0),
  duplicate: z.boolean(),
});
export const errorPayloadSchema = z.object({
  code: z.string(),
  message: z.string(),
  message_id: z.string().nullable(),
  details: z.unknown().optional(),
  retry_after_ms: z.number().optional(),
});

export const agentStartedSchema = z.object({ type: z.literal('agent_started'), ...envelopeBase, payload: agentStartedPayloadSchema });
export const agentThinkingSchema = z.object({ type: z.literal('agent_thinking'), ...envelopeBase, payload: agentThinkingPayloadSchema });
export const toolExecutingSchema = z.object({ type: z.literal('tool_executing'), ...envelopeBase, payload: toolExecutingPayloadSchema });
export const toolCompletedSchema = z.object({ type: z.literal('tool_completed'), ...envelopeBase, payload: toolCompletedPayloadSchema });
export const agentCompletedSchema = z.object({ type: z.literal('agent_completed'), ...envelopeBase, payload: agentCompletedPayloadSchema });
export const messageAckSchema = z.object({ type: z.literal('message_ack'), ...envelopeBase, payload: messageAckPayloadSchema });
export const errorEnvelopeSchema = z.object({ type: z.literal('error'), ...envelopeBase, payload: errorPayloadSchema });
export const pongSchema = z.object({ type: z.literal('pong'), ...envelopeBase, payload: z.record(z.string(), z.unknown()) });

export const runEventSchema = z.discriminatedUnion('type', [
  agentStartedSchema,
  agentThinkingSchema,
  toolExecutingSchema,
  toolCompletedSchema,
  agentCompletedSchema,
]);

export const serverEnvelopeSchema = z.discriminatedUnion('type', [
  agentStartedSchema,
  agentThinkingSchema,
  toolExecutingSchema,
  toolCompletedSchema,
  agentCompletedSchema,
  messageAckSchema,
  errorEnvelopeSchema,
  pongSchema,
]);
