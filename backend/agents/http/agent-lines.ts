/**
 * One NDJSON line of an agent over HTTP: `{ "type", "payload" }` where the payload is
 * exactly the wire protocol's (docs/protocol.md §4, protocol/envelope-schemas.ts), with
 * two rules of this path: `agent_completed.status` is `succeeded` or `failed` (cancelled and
 * interrupted are Flowscope's to say), and its `duration_ms` may be left out (Flowscope
 * reports the run's own duration). Other top-level fields (`seq`, `timestamp`...) are
 * ignored: Flowscope assigns them.
 */
import type { z } from 'zod';
import { agentCompletedPayloadSchema, agentThinkingPayloadSchema, toolCompletedPayloadSchema, toolExecutingPayloadSchema } from '../../../protocol/index.ts';
import type { ReportedEvent, TokenUsage } from '../agent-types.ts';

export const AGENT_LINE_TYPES = ['agent_thinking', 'tool_executing', 'tool_completed', 'agent_completed'] as const;
type AgentLineType = (typeof AGENT_LINE_TYPES)[number];

const completedLinePayloadSchema = agentCompletedPayloadSchema.partial({ duration_ms: true }).superRefine((payload, ctx) => {
  if (payload.status !== 'succeeded' && payload.status !== 'failed') {
    ctx.addIssue({ code: 'custom', path: ['status'], message: `must be "succeeded" or "failed" (got "${payload.status}")` });
  } else if (payload.status === 'succeeded' && payload.response === null) {
    ctx.addIssue({ code: 'custom', path: ['response'], message: 'a succeeded agent_completed needs a response string' });
  }
});

const PAYLOAD_SCHEMAS: Record<AgentLineType, z.ZodType> = {
  agent_thinking: agentThinkingPayloadSchema,
  tool_executing: toolExecutingPayloadSchema,
  tool_completed: toolCompletedPayloadSchema,
  agent_completed: completedLinePayloadSchema,
};

export interface CompletedLine {
  type: 'agent_completed';
  payload: { status: 'succeeded' | 'failed'; response: string | null; error: string | null; usage?: TokenUsage };
}

export type AgentLine = ReportedEvent | CompletedLine;

export type ParsedLine = { ok: true; line: AgentLine } | { ok: false; problem: string };

const MAX_ISSUES = 3;

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : typeof value;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const described = issues.slice(0, MAX_ISSUES).map((issue) => {
    const path = ['payload', ...issue.path.map(String)].join('.');
    return `${path}: ${issue.message}`;
  });
  if (issues.length > MAX_ISSUES) described.push(`and ${issues.length - MAX_ISSUES} more`);
  return described.join('; ');
}

/** Parses and checks one line; `problem` says what is wrong (with the payload path). */
export function parseAgentLine(text: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: `expected an object {"type", "payload"}, got ${kindOf(value)}` };
  }
  const { type, payload } = value as { type?: unknown; payload?: unknown };
  if (typeof type !== 'string' || !(AGENT_LINE_TYPES as readonly string[]).includes(type)) {
    const got = type === undefined ? 'none' : JSON.stringify(type);
    return { ok: false, problem: `type must be one of ${AGENT_LINE_TYPES.join(', ')} (got ${got})` };
  }
  const schema = PAYLOAD_SCHEMAS[type as AgentLineType];
  const parsed = schema.safeParse(payload);
  if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error.issues) };
  return { ok: true, line: { type, payload: parsed.data } as AgentLine };
}
