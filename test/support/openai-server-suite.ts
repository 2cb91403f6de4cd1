/**
 * The OpenAI-compatible test server (openai-compatible-server.ts) for one test file: started
 * before its tests, closed after them; after each test its recorded requests are cleared and
 * every queued reply must have been used (both on by default). `agentWith` builds the llm
 * agent pointed at it.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Agent } from '../../backend/agents/agent-types.ts';
import { createLlmAgent } from '../../backend/agents/llm/llm-agent.ts';
import type { LlmAgentOptions } from '../../backend/agents/llm/llm-options.ts';
import { startOpenAiCompatibleServer, type OpenAiCompatibleServer } from './openai-compatible-server.ts';

export interface OpenAiServerSuiteOptions {
  /** Clear the recorded requests after each test (default true). */
  resetAfterEach?: boolean;
  /** After each test, expect every queued reply to have been used (default true). */
  requireRepliesUsed?: boolean;
}

export interface OpenAiServerSuite {
  /** The running server (usable in hooks registered after this call and in tests). */
  server: OpenAiCompatibleServer;
  /** The llm agent on the server: model `test-model`, key `sk-test`, unless `options` say otherwise. */
  agentWith(options?: Partial<LlmAgentOptions>): Agent;
}

export function useOpenAiCompatibleServer(options: OpenAiServerSuiteOptions = {}): OpenAiServerSuite {
  let current: OpenAiCompatibleServer | undefined;
  const running = (): OpenAiCompatibleServer => {
    if (!current) throw new Error('The OpenAI-compatible test server starts in beforeAll: use it in hooks and tests.');
    return current;
  };
  beforeAll(async () => {
    current = await startOpenAiCompatibleServer();
  });
  afterAll(() => current?.close());
  if (options.resetAfterEach !== false || options.requireRepliesUsed !== false) {
    afterEach(() => {
      if (options.requireRepliesUsed !== false) expect(running().pending()).toBe(0);
      if (options.resetAfterEach !== false) running().requests.length = 0;
    });
  }
  const server: OpenAiCompatibleServer = {
    get baseURL() {
      return running().baseURL;
    },
    get requests() {
      return running().requests;
    },
    enqueue: (...replies) => running().enqueue(...replies),
    pending: () => running().pending(),
    waitForRequests: (count) => running().waitForRequests(count),
    waitForClose: (index) => running().waitForClose(index),
    close: () => running().close(),
  };
  const agentWith = (agentOptions: Partial<LlmAgentOptions> = {}): Agent =>
    createLlmAgent({ model: 'test-model', baseURL: server.baseURL, apiKey: 'sk-test', ...agentOptions });
  return { server, agentWith };
}
