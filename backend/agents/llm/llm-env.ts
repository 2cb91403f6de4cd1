/**
 * The llm agent's settings from the environment (and, through the same table, CLI flags):
 * the agent is enabled only when LLM_MODEL is set. `LLM_SETTINGS` lists each setting's
 * option, variable and flag, so the CLI can map `--llm-model x` to `LLM_MODEL=x` and call
 * `llmOptionsFromEnv({ ...process.env, ...fromFlags })`.
 */
import { LIMITS, LlmOptionsError, type LlmAgentOptions } from './llm-options.ts';

export interface LlmSetting {
  option: keyof LlmAgentOptions;
  env: string;
  flag: string;
  kind: 'string' | 'integer';
  description: string;
}

export const LLM_SETTINGS: readonly LlmSetting[] = [
  { option: 'model', env: 'LLM_MODEL', flag: 'llm-model', kind: 'string', description: 'Model name; enables the llm agent.' },
  {
    option: 'baseURL',
    env: 'LLM_BASE_URL',
    flag: 'llm-base-url',
    kind: 'string',
    description: 'Chat Completions base URL (default https://api.openai.com/v1).',
  },
  { option: 'apiKey', env: 'LLM_API_KEY', flag: 'llm-api-key', kind: 'string', description: 'API key (falls back to OPENAI_API_KEY; none for local servers).' },
  { option: 'systemPrompt', env: 'LLM_SYSTEM_PROMPT', flag: 'llm-system-prompt', kind: 'string', description: 'System message sent first (default none).' },
  {
    option: 'idleTimeoutMs',
    env: 'LLM_IDLE_TIMEOUT_MS',
    flag: 'llm-idle-timeout-ms',
    kind: 'integer',
    description: 'Fail a model call after this long without a byte (default 60000).',
  },
  { option: 'timeoutMs', env: 'LLM_TIMEOUT_MS', flag: 'llm-timeout-ms', kind: 'integer', description: 'Total time of a run (default 300000).' },
  { option: 'maxRounds', env: 'LLM_MAX_ROUNDS', flag: 'llm-max-rounds', kind: 'integer', description: 'Model turns per run (default 8).' },
  {
    option: 'maxRetries',
    env: 'LLM_MAX_RETRIES',
    flag: 'llm-max-retries',
    kind: 'integer',
    description: 'Retries on 429 / 5xx / connection refused (default 2).',
  },
  {
    option: 'maxAnswerChars',
    env: 'LLM_MAX_ANSWER_CHARS',
    flag: 'llm-max-answer-chars',
    kind: 'integer',
    description: 'Characters a model turn may stream as its answer and tool-call arguments; past it the run fails (default 1000000).',
  },
  {
    option: 'maxReasoningChars',
    env: 'LLM_MAX_REASONING_CHARS',
    flag: 'llm-max-reasoning-chars',
    kind: 'integer',
    description: 'Characters of reasoning a model turn may stream; past it the run fails (default 1000000).',
  },
  {
    option: 'maxToolCallsPerTurn',
    env: 'LLM_MAX_TOOL_CALLS_PER_TURN',
    flag: 'llm-max-tool-calls-per-turn',
    kind: 'integer',
    description: 'Tool calls one model turn may make; past it the run fails (default 128).',
  },
];

/** The fallback of LLM_API_KEY. */
export const OPENAI_API_KEY_ENV = 'OPENAI_API_KEY';

function unitOf(setting: LlmSetting): string {
  if (setting.option.endsWith('Ms')) return 'milliseconds';
  if (setting.option.endsWith('Chars')) return 'characters';
  if (setting.option === 'maxToolCallsPerTurn') return 'tool calls';
  return 'turns or retries';
}

function parseInteger(setting: LlmSetting, text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) {
    throw new LlmOptionsError(setting.option, `${setting.env} must be a whole number of ${unitOf(setting)}, got ${JSON.stringify(text)}`);
  }
  const value = Number(trimmed);
  const limits = (LIMITS as Record<string, { min: number; max: number } | number>)[setting.option];
  if (typeof limits === 'object' && (value < limits.min || value > limits.max)) {
    throw new LlmOptionsError(setting.option, `${setting.env} must be from ${limits.min} to ${limits.max}, got ${trimmed}`);
  }
  return value;
}

/**
 * The llm agent's options from `env`, or undefined when LLM_MODEL is unset or empty (the
 * agent is off). Empty variables count as unset. Throws LlmOptionsError naming the variable
 * for a value that is not a whole number; createLlmAgent checks the ranges.
 */
export function llmOptionsFromEnv(env: Readonly<Record<string, string | undefined>>): LlmAgentOptions | undefined {
  const model = env.LLM_MODEL?.trim();
  if (!model) return undefined;
  const options: Record<string, unknown> = { model };
  for (const setting of LLM_SETTINGS) {
    if (setting.option === 'model') continue;
    const text = env[setting.env];
    if (text === undefined || text === '') continue;
    options[setting.option] = setting.kind === 'integer' ? parseInteger(setting, text) : text;
  }
  if (options.apiKey === undefined) {
    const fallback = env[OPENAI_API_KEY_ENV];
    if (fallback) options.apiKey = fallback;
  }
  return options as unknown as LlmAgentOptions;
}
