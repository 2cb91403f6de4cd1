import { describe, expect, it } from 'vitest';
import { createLlmAgent } from './llm-agent.ts';
import { DEFAULT_LLM_BASE_URL, LlmOptionsError, resolveLlmSettings, type LlmAgentOptions } from './llm-options.ts';

const bad = (options: unknown): LlmOptionsError => {
  try {
    resolveLlmSettings(options as LlmAgentOptions);
  } catch (err) {
    if (err instanceof LlmOptionsError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(options)} to be refused`);
};

describe('llm agent options', () => {
  it('fills the defaults', () => {
    expect(resolveLlmSettings({ model: 'gpt-4o-mini' })).toEqual({
      model: 'gpt-4o-mini',
      baseURL: DEFAULT_LLM_BASE_URL,
      apiKey: undefined,
      name: 'llm',
      description: 'Model gpt-4o-mini at https://api.openai.com/v1 (OpenAI-compatible Chat Completions, streaming, with tool calls).',
      systemPrompt: undefined,
      idleTimeoutMs: 60_000,
      timeoutMs: 300_000,
      maxRounds: 8,
      maxRetries: 2,
      historyTurns: undefined,
      maxAnswerChars: 1_000_000,
      maxReasoningChars: 1_000_000,
      maxToolCallsPerTurn: 128,
    });
  });

  it('keeps what is given', () => {
    const settings = resolveLlmSettings({
      model: 'llama3.1',
      baseURL: 'http://127.0.0.1:11434/v1',
      apiKey: 'ollama',
      name: 'local-llama',
      description: 'Llama at home',
      systemPrompt: 'Be brief.',
      idleTimeoutMs: 5000,
      timeoutMs: 60_000,
      maxRounds: 3,
      maxRetries: 0,
      historyTurns: 0,
    });
    expect(settings).toMatchObject({ name: 'local-llama', description: 'Llama at home', maxRetries: 0, historyTurns: 0, systemPrompt: 'Be brief.' });
  });

  it('gives the agent its name, description and history turns', () => {
    const agent = createLlmAgent({ model: 'm', name: 'gpt', historyTurns: 10 });
    expect(agent.name).toBe('gpt');
    expect(agent.historyTurns).toBe(10);
    expect('historyTurns' in createLlmAgent({ model: 'm' })).toBe(false);
  });

  it('refuses each bad option with a clear error naming it', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [undefined, 'options', /options must be an object/],
      [{}, 'model', /model is required/],
      [{ model: '  ' }, 'model', /model is required/],
      [{ model: 'x'.repeat(257) }, 'model', /1-256 characters/],
      [{ model: 'm', baseUrl: 'http://x' }, 'baseUrl', /unknown option 'baseUrl' \(known: model, baseURL/],
      [{ model: 'm', baseURL: 'localhost:11434' }, 'baseURL', /baseURL must use http or https/],
      [{ model: 'm', baseURL: 'not a url' }, 'baseURL', /absolute http\(s\) URL/],
      [{ model: 'm', baseURL: 'ftp://host/v1' }, 'baseURL', /must use http or https, got ftp:\/\/host\/v1/],
      [{ model: 'm', apiKey: 42 }, 'apiKey', /apiKey must be a string/],
      [{ model: 'm', apiKey: 'has space' }, 'apiKey', /must not contain spaces/],
      [{ model: 'm', name: 'two words' }, 'name', /1-64 characters without spaces/],
      [{ model: 'm', systemPrompt: 7 }, 'systemPrompt', /systemPrompt must be a string/],
      [{ model: 'm', idleTimeoutMs: 0 }, 'idleTimeoutMs', /idleTimeoutMs must be an integer from 1 to 86400000, got 0/],
      [{ model: 'm', timeoutMs: 1.5 }, 'timeoutMs', /timeoutMs must be an integer/],
      [{ model: 'm', timeoutMs: '300' }, 'timeoutMs', /got "300"/],
      [{ model: 'm', maxRounds: 0 }, 'maxRounds', /maxRounds must be an integer from 1 to 100/],
      [{ model: 'm', maxRetries: -1 }, 'maxRetries', /maxRetries must be an integer from 0 to 10/],
      [{ model: 'm', historyTurns: 1001 }, 'historyTurns', /historyTurns must be an integer from 0 to 1000/],
    ];
    for (const [options, option, message] of cases) {
      const error = bad(options);
      expect(error.option).toBe(option);
      expect(error.code).toBe('LLM_INVALID_OPTION');
      expect(error.message).toMatch(/^llm agent: /);
      expect(error.message).toMatch(message);
    }
  });

  it('createLlmAgent checks at construction', () => {
    expect(() => createLlmAgent({ model: 'm', maxRounds: 0 })).toThrow(LlmOptionsError);
  });
});
