/**
 * The agents a run can name in `payload.agent`. Built with the built-in agents by default;
 * user agents (modules, the LLM agent, agents over HTTP) are added with `register`, and a
 * reloaded module swaps its agents with `replace` (runs in flight keep the object they
 * started with). Names are exact (case-sensitive) and unique.
 */
import type { Agent } from './agent-types.ts';
import { ASSISTANT_AGENT_NAME, createAssistantAgent } from './assistant-agent.ts';
import { createScriptedAgent } from './scripted-agent.ts';
import { DEFAULT_HISTORY_TURNS } from './thread-history.ts';

export const DEFAULT_AGENT_NAME = ASSISTANT_AGENT_NAME;
/** Same bounds as `payload.agent` in the protocol schema. */
export const AGENT_NAME_PATTERN = /^\S{1,64}$/;
const MAX_HISTORY_TURNS = 1000;

export interface AgentRegistry {
  /** The agent of a message without `payload.agent`: 'assistant'. */
  readonly defaultAgent: string;
  get(name: string): Agent | undefined;
  has(name: string): boolean;
  /** Registered names, in registration order. */
  names(): string[];
  /** Registered agents, in registration order. */
  list(): Agent[];
  /** Earlier runs to read into the agent's history (0 for none). */
  historyTurns(name: string): number;
  /** Adds an agent; throws if the name is taken or the agent is invalid. */
  register(agent: Agent): void;
  /** Swaps the agents of `previous` names for `next` (a reloaded module); all or nothing. */
  replace(previous: readonly string[], next: readonly Agent[]): void;
}

export function createBuiltInAgents(): Agent[] {
  return [createAssistantAgent(), createScriptedAgent()];
}

/** Throws a one-line reason unless `agent` has the shape of the Agent contract. */
export function checkAgent(agent: unknown): asserts agent is Agent {
  if (typeof agent !== 'object' || agent === null) throw new Error('an agent must be an object with name, description and run(ctx)');
  const a = agent as Partial<Agent>;
  if (typeof a.name !== 'string' || !AGENT_NAME_PATTERN.test(a.name)) {
    throw new Error(`invalid agent name ${JSON.stringify(a.name)}: 1-64 characters, no spaces`);
  }
  if (typeof a.description !== 'string') throw new Error(`agent '${a.name}' has no description (a string)`);
  if (typeof a.run !== 'function') throw new Error(`agent '${a.name}' has no run(ctx) function`);
  if (
    a.historyTurns !== undefined &&
    (typeof a.historyTurns !== 'number' || !Number.isInteger(a.historyTurns) || a.historyTurns < 0 || a.historyTurns > MAX_HISTORY_TURNS)
  ) {
    throw new Error(`agent '${a.name}': historyTurns must be an integer from 0 to ${MAX_HISTORY_TURNS}`);
  }
}

/** A registry of `agents` (default: the built-in assistant and scripted agents). */
export function createAgentRegistry(agents: Agent[] = createBuiltInAgents()): AgentRegistry {
  let byName = new Map<string, Agent>();
  const registry: AgentRegistry = {
    defaultAgent: DEFAULT_AGENT_NAME,
    get: (name) => byName.get(name),
    has: (name) => byName.has(name),
    names: () => [...byName.keys()],
    list: () => [...byName.values()],
    historyTurns: (name) => byName.get(name)?.historyTurns ?? DEFAULT_HISTORY_TURNS,
    register(agent) {
      checkAgent(agent);
      if (byName.has(agent.name)) throw new Error(`an agent named '${agent.name}' is already registered`);
      byName.set(agent.name, agent);
    },
    replace(previous, next) {
      const gone = new Set(previous);
      const staged = new Map([...byName].filter(([name]) => !gone.has(name)));
      for (const agent of next) {
        checkAgent(agent);
        if (staged.has(agent.name)) throw new Error(`an agent named '${agent.name}' is already registered`);
        staged.set(agent.name, agent);
      }
      // Keep registration order for names that stay.
      const ordered = new Map<string, Agent>();
      for (const name of byName.keys()) if (staged.has(name)) ordered.set(name, staged.get(name) as Agent);
      for (const [name, agent] of staged) if (!ordered.has(name)) ordered.set(name, agent);
      byName = ordered;
    },
  };
  for (const agent of agents) registry.register(agent);
  return registry;
}
