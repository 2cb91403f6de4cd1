/**
 * The `llm` agent (docs/agents.md): any OpenAI-compatible Chat Completions endpoint.
 * Wiring: `const options = llmOptionsFromEnv(env)` (undefined: the agent is off), then
 * `registry.register(createLlmAgent(options))`. `LLM_SETTINGS` maps each option to its
 * variable and CLI flag.
 */
export { createLlmAgent } from './llm-agent.ts';
export { llmOptionsFromEnv, LLM_SETTINGS, OPENAI_API_KEY_ENV, type LlmSetting } from './llm-env.ts';
export { LlmRunError, type LlmErrorCode } from './llm-errors.ts';
export {
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_LLM_AGENT_NAME,
  DEFAULT_LLM_BASE_URL,
  DEFAULT_MAX_ANSWER_CHARS,
  DEFAULT_MAX_REASONING_CHARS,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_ROUNDS,
  DEFAULT_MAX_TOOL_CALLS_PER_TURN,
  DEFAULT_TIMEOUT_MS,
  LlmOptionsError,
  resolveLlmSettings,
  type LlmAgentOptions,
} from './llm-options.ts';
