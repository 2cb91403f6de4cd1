import { describe, expect, it } from 'vitest';
import { LLM_SETTINGS, llmOptionsFromEnv } from './llm-env.ts';
import { LlmOptionsError } from './llm-options.ts';

describe('llmOptionsFromEnv', () => {
  it('is off without LLM_MODEL', () => {
    expect(llmOptionsFromEnv({})).toBeUndefined();
    expect(llmOptionsFromEnv({ LLM_MODEL: '', LLM_BASE_URL: 'http://x/v1', OPENAI_API_KEY: 'sk-x' })).toBeUndefined();
    expect(llmOptionsFromEnv({ LLM_MODEL: '   ' })).toBeUndefined();
  });

  it('reads every setting', () => {
    expect(
      llmOptionsFromEnv({
        LLM_MODEL: 'qwen2.5',
        LLM_BASE_URL: 'http://127.0.0.1:8080/v1',
        LLM_API_KEY: 'sk-llm',
        LLM_SYSTEM_PROMPT: 'Be brief.',
        LLM_IDLE_TIMEOUT_MS: '15000',
        LLM_TIMEOUT_MS: ' 120000 ',
        LLM_MAX_ROUNDS: '4',
        LLM_MAX_RETRIES: '0',
      }),
    ).toEqual({
      model: 'qwen2.5',
      baseURL: 'http://127.0.0.1:8080/v1',
      apiKey: 'sk-llm',
      systemPrompt: 'Be brief.',
      idleTimeoutMs: 15_000,
      timeoutMs: 120_000,
      maxRounds: 4,
      maxRetries: 0,
    });
  });

  it('falls back to OPENAI_API_KEY, and treats empty variables as unset', () => {
    expect(llmOptionsFromEnv({ LLM_MODEL: 'gpt-4o', OPENAI_API_KEY: 'sk-openai' })).toEqual({ model: 'gpt-4o', apiKey: 'sk-openai' });
    expect(llmOptionsFromEnv({ LLM_MODEL: 'gpt-4o', LLM_API_KEY: 'sk-llm', OPENAI_API_KEY: 'sk-openai' })?.apiKey).toBe('sk-llm');
    expect(llmOptionsFromEnv({ LLM_MODEL: 'gpt-4o', LLM_API_KEY: '', LLM_BASE_URL: '', LLM_TIMEOUT_MS: '' })).toEqual({ model: 'gpt-4o' });
  });

  it('names the variable of a bad number, and never echoes the key', () => {
    const refused = (env: Record<string, string>): string => {
      try {
        llmOptionsFromEnv({ LLM_MODEL: 'm', LLM_API_KEY: 'sk-secret-value', ...env });
      } catch (err) {
        expect(err).toBeInstanceOf(LlmOptionsError);
        return (err as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(refused({ LLM_TIMEOUT_MS: '5m' })).toBe('llm agent: LLM_TIMEOUT_MS must be a whole number of milliseconds, got "5m"');
    expect(refused({ LLM_MAX_ROUNDS: '-1' })).toBe('llm agent: LLM_MAX_ROUNDS must be a whole number of turns or retries, got "-1"');
    expect(refused({ LLM_MAX_ROUNDS: '0' })).toBe('llm agent: LLM_MAX_ROUNDS must be from 1 to 100, got 0');
    expect(refused({ LLM_IDLE_TIMEOUT_MS: '1e3' })).toMatch(/LLM_IDLE_TIMEOUT_MS must be a whole number/);
    expect(refused({ LLM_MAX_RETRIES: '11' })).not.toContain('sk-secret-value');
  });

  it('lists a variable and a flag for every option', () => {
    expect(LLM_SETTINGS.map((s) => [s.option, s.env, s.flag])).toEqual([
      ['model', 'LLM_MODEL', 'llm-model'],
      ['baseURL', 'LLM_BASE_URL', 'llm-base-url'],
      ['apiKey', 'LLM_API_KEY', 'llm-api-key'],
      ['systemPrompt', 'LLM_SYSTEM_PROMPT', 'llm-system-prompt'],
      ['idleTimeoutMs', 'LLM_IDLE_TIMEOUT_MS', 'llm-idle-timeout-ms'],
      ['timeoutMs', 'LLM_TIMEOUT_MS', 'llm-timeout-ms'],
      ['maxRounds', 'LLM_MAX_ROUNDS', 'llm-max-rounds'],
      ['maxRetries', 'LLM_MAX_RETRIES', 'llm-max-retries'],
      ['maxAnswerChars', 'LLM_MAX_ANSWER_CHARS', 'llm-max-answer-chars'],
      ['maxReasoningChars', 'LLM_MAX_REASONING_CHARS', 'llm-max-reasoning-chars'],
      ['maxToolCallsPerTurn', 'LLM_MAX_TOOL_CALLS_PER_TURN', 'llm-max-tool-calls-per-turn'],
    ]);
  });
});
