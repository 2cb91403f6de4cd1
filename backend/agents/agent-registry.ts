/**
 * The agents a run can name in `payload.agent`. Built with the built-in agents by default;
 * another agent (an LLM-backed one, say) is one `register(agent)` call. Names are exact
 * (case-sensitive) and unique.
 */
import type { Agent } from './agent-types.ts';
import { ASSISTANT_AGENT_NAME, createAssistantAgent } from './assistant-agent.ts';
import { createScriptedAgent } from './scripted-agent.ts';

export const DEFAULT_AGENT_NAME = ASSISTANT_AGENT_NAME;
/** Same bounds as `payload.agent` in the protocol schema. */
const AGENT_NAME_PATTERN = /^\S{1,64}$/;

export interface AgentRegistry {
  /** The agent of a message without `payload.agent`: 'assistant'. */
  readonly defaultAgent: string;
  get(name: string): Agent | undefined;
  has(name: string): boolean;
  /** Registered names, in registration order. */
  names(): string[];
  /** Adds an agent; throws if the name is taken or invalid. */
  register(agent: Agent): void;
}

export function createBuiltInAgents(): Agent[] {
  return [createAssistantAgent(), createScriptedAgent()];
}

/** A registry of `agents` (default: the built-in assistant and scripted agents). */
export function createAgentRegistry(agents: Agent[] = createBuiltInAgents()): AgentRegistry {
  const byName = new Map<string, Agent>();
  const registry: AgentRegistry = {
    defaultAgent: DEFAULT_AGENT_NAME,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    names: () => [...byName.keys()],
    register(agent) {
      if (typeof agent.name !== 'string' || !AGENT_NAME_PATTERN.test(agent.name)) {
        throw new Error(`invalid agent name ${JSON.stringify(agent.name)}: 1-64 characters, no spaces`);
      }
      if (byName.has(agent.name)) throw new Error(`an agent named '${agent.name}' is already registered`);
      byName.set(agent.name, agent);
    },
  };
  for (const agent of agents) registry.register(agent);
  return registry;
}
