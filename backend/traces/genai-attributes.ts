/**
 * The OpenTelemetry GenAI semantic conventions' names that Flowscope's traces use, in one
 * place (open-telemetry/semantic-conventions-genai, status Development; the JS semconv
 * package marks its GenAI constants as moved, so we keep our own). `flowscope.*` names are
 * ours: what the conventions have no name for (queue wait, delivery, run status).
 */

/** `gen_ai.operation.name` values, and the first word of each span's name. */
export const GenAiOperation = {
  INVOKE_AGENT: 'invoke_agent',
  EXECUTE_TOOL: 'execute_tool',
  CHAT: 'chat',
} as const;

export const GenAiAttr = {
  OPERATION_NAME: 'gen_ai.operation.name',
  /** Since semconv 1.37 (emitted with OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental). */
  PROVIDER_NAME: 'gen_ai.provider.name',
  /** Up to semconv 1.36 (the default, until the conventions are stable). */
  SYSTEM: 'gen_ai.system',
  AGENT_NAME: 'gen_ai.agent.name',
  CONVERSATION_ID: 'gen_ai.conversation.id',
  REQUEST_MODEL: 'gen_ai.request.model',
  USAGE_INPUT_TOKENS: 'gen_ai.usage.input_tokens',
  USAGE_OUTPUT_TOKENS: 'gen_ai.usage.output_tokens',
  TOOL_NAME: 'gen_ai.tool.name',
  TOOL_CALL_ID: 'gen_ai.tool.call.id',
  TOOL_TYPE: 'gen_ai.tool.type',
  /** Opt-in (content capture). */
  TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
  /** Opt-in (content capture). */
  TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
  /** Opt-in (content capture): the run's input as the conventions' message JSON. */
  INPUT_MESSAGES: 'gen_ai.input.messages',
  /** Opt-in (content capture): the run's response. */
  OUTPUT_MESSAGES: 'gen_ai.output.messages',
  /** General semconv: why an operation failed. */
  ERROR_TYPE: 'error.type',
} as const;

export const FlowscopeAttr = {
  RUN_ID: 'flowscope.run.id',
  RUN_STATUS: 'flowscope.run.status',
  RUN_PRIORITY: 'flowscope.run.priority',
  /** When the run was accepted → when its agent started (ms). */
  QUEUE_WAIT_MS: 'flowscope.queue.wait_ms',
  /** Events the run delivered (its last seq). */
  DELIVERY_EVENTS: 'flowscope.delivery.events',
  /** Live only: when agent_completed was published to connections → its timestamp (ms). */
  DELIVERY_LAG_MS: 'flowscope.delivery.lag_ms',
  /** The tool's own measure of its duration (tool_completed.duration_ms). */
  TOOL_REPORTED_MS: 'flowscope.tool.duration_ms',
  /** The model turn a chat span is (the llm agent's "turn n"). */
  CHAT_TURN: 'flowscope.chat.turn',
  THINKING_STEP: 'flowscope.thinking.step',
  /** Opt-in (content capture): the thought's text. */
  THINKING_TEXT: 'flowscope.thinking.text',
} as const;

/** Span event names. */
export const FlowscopeEvent = {
  THINKING: 'flowscope.agent.thinking',
} as const;

/** `gen_ai.provider.name` of the invoke_agent span (no well-known value fits a Flowscope agent). */
export const FLOWSCOPE_PROVIDER = 'flowscope';
/** `gen_ai.provider.name` of the llm agent's chat spans: the API it speaks (Chat Completions). */
export const LLM_PROVIDER = 'openai';

/** The instrumentation scope of every span. */
export const TRACE_SCOPE = 'flowscope';

export interface GenAiTraceOptions {
  /** `latest`: OTEL_SEMCONV_STABILITY_OPT_IN has gen_ai_latest_experimental (gen_ai.provider.name); `default`: gen_ai.system. */
  semconv: 'latest' | 'default';
  /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: tool arguments and results, input, response and thoughts. */
  captureContent: boolean;
}

const CONTENT_ON = new Set(['true', '1', 'yes', 'span_only', 'span_and_event']);

/** The options from the standard environment variables. */
export function traceOptionsFromEnv(env: Record<string, string | undefined>): GenAiTraceOptions {
  const optIn = (env.OTEL_SEMCONV_STABILITY_OPT_IN ?? '').split(',').map((s) => s.trim());
  return {
    semconv: optIn.includes('gen_ai_latest_experimental') ? 'latest' : 'default',
    captureContent: CONTENT_ON.has((env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT ?? '').trim().toLowerCase()),
  };
}

/** The provider attribute's name under those options. */
export function providerAttribute(options: GenAiTraceOptions): string {
  return options.semconv === 'latest' ? GenAiAttr.PROVIDER_NAME : GenAiAttr.SYSTEM;
}
