/** Agents over HTTP (any language): see http-agent.ts and docs/agents.md. */
export { createHttpAgent, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, MAX_IDLE_TIMEOUT_MS, MAX_TIMEOUT_MS, type HttpAgentOptions } from './http-agent.ts';
export { AgentExchange, checkEndpointOptions, checkLimit, withHeaderSecretsRedacted } from './agent-endpoint.ts';
export type { AgentEndpoint, EndpointKind, EndpointOptions, ExchangeErrorCode } from './agent-endpoint.ts';
export { DEFAULT_MAX_LINE_BYTES } from './ndjson-lines.ts';
export { parseAgentUrls, parseAgentUrlFlags, agentUrlsFromConfig, displayUrl, type AgentUrlEntry } from './agent-urls.ts';
export { parseAgentHeaders, parseAgentHeaderFlags, agentHeadersFromConfig, type AgentHeaderEntry } from './agent-headers.ts';
export { configuredHttpAgentOptions, parseTimeoutSetting, type HttpAgentSettings } from './configured-http-agents.ts';
export { HttpAgentError, HttpAgentConfigError, type HttpAgentErrorCode } from './http-agent-errors.ts';
export { AGENT_LINE_TYPES, parseAgentLine, type AgentLine } from './agent-lines.ts';
