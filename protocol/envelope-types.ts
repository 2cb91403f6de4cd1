/** Static types of the envelopes, inferred from the zod schemas (one definition). */
import type { z } from 'zod';
import type {
  agentCompletedSchema,
  agentStartedSchema,
  agentThinkingSchema,
  cancelRunSchema,
  clientEnvelopeSchema,
  CLIENT_MESSAGE_TYPES,
  errorEnvelopeSchema,
  FINAL_RUN_STATUSES,
  messageAckSchema,
  pingSchema,
  pongSchema,
  PRIORITIES,
  resumeSchema,
  RUN_EVENT_TYPES,
  RUN_STATUSES,
  runEventSchema,
  scriptStepSchema,
  SERVER_EVENT_TYPES,
  serverEnvelopeSchema,
  toolCompletedSchema,
  toolExecutingSchema,
  userMessageSchema,
} from './envelope-schemas.ts';

export type Priority = (typeof PRIORITIES)[number];
export type RunEventType = (typeof RUN_EVENT_TYPES)[number];
export type RunStatus = (typeof RUN_STATUSES)[number];
export type FinalRunStatus = (typeof FINAL_RUN_STATUSES)[number];
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];
export type ServerEventType = (typeof SERVER_EVENT_TYPES)[number];

export type ScriptStep = z.infer<typeof scriptStepSchema>;
export type UserMessageEnvelope = z.infer<typeof userMessageSchema>;
export type PingEnvelope = z.infer<typeof pingSchema>;
export type CancelRunEnvelope = z.infer<typeof cancelRunSchema>;
export type ResumeEnvelope = z.infer<typeof resumeSchema>;
export type ClientEnvelope = z.infer<typeof clientEnvelopeSchema>;

export type AgentStartedEnvelope = z.infer<typeof agentStartedSchema>;
export type AgentThinkingEnvelope = z.infer<typeof agentThinkingSchema>;
export type ToolExecutingEnvelope = z.infer<typeof toolExecutingSchema>;
export type ToolCompletedEnvelope = z.infer<typeof toolCompletedSchema>;
export type AgentCompletedEnvelope = z.infer<typeof agentCompletedSchema>;
export type MessageAckEnvelope = z.infer<typeof messageAckSchema>;
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;
export type PongEnvelope = z.infer<typeof pongSchema>;
export type RunEventEnvelope = z.infer<typeof runEventSchema>;
export type ServerEnvelope = z.infer<typeof serverEnvelopeSchema>;

/** Payload type of a run event, by its type. */
export type RunEventPayload<T extends RunEventType> = Extract<RunEventEnvelope, { type: T }>['payload'];
/** A run event as an agent emits it: the engine adds ids, seq and timestamp. */
export type RunEventDraft = { [T in RunEventType]: { type: T; payload: RunEventPayload<T> } }[RunEventType];
