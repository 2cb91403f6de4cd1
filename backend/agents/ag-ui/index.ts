/** AG-UI both ways (docs/ag-ui.md): AG-UI agents as Flowscope agents, and Flowscope's runs as AG-UI events. */
export { createAguiAgent, DEFAULT_MAX_ROUNDS, type AguiAgentOptions } from './ag-ui-agent.ts';
export { AguiAgentError, AguiAgentConfigError, type AguiAgentErrorCode } from './ag-ui-agent-errors.ts';
export { AGENT_PROTOCOLS, configuredUrlAgents, parseAgentProtocols, type AgentProtocol, type ConfiguredUrlAgent } from './agent-protocols.ts';
export { SseParser, SseParseError, type SseEvent } from './sse-parser.ts';
