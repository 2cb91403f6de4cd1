/**
 * Reading what an agent or a tool threw (or returned) without trusting it: a thrown value may
 * be a Proxy whose every trap throws, an object whose `message` getter or `toString` throws,
 * a symbol, or an Error with a 5 MB message. `safeErrorMessage` never throws and returns at
 * most MAX_ERROR_CHARS characters; `safeError` turns any thrown value into an Error that is
 * safe to read (an Error that already is keeps its class, code and stack).
 *
 * `guardAgent` wraps an agent so the engine only ever sees such values: its thrown values
 * pass `safeError`, and its result is copied into a plain `{ response, usage }` read safely.
 * `guardTool` does the same for what a tool's `execute` throws. The catalog guards every
 * agent and tool it registers (agent-catalog.ts).
 */
import { types } from 'node:util';
import type { Agent, AgentResult, Tool } from './agent-types.ts';

/** The longest error message kept (the rest is cut, with a marker). */
export const MAX_ERROR_CHARS = 4096;

function cap(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `value.message` when it is a readable string (a throwing getter reads as undefined). */
function messageProperty(value: object): string | undefined {
  try {
    const own = Object.getOwnPropertyDescriptor(value, 'message');
    const message: unknown = own && 'value' in own ? own.value : (value as { message?: unknown }).message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line of text for any thrown value; never throws; at most `max` characters. `thrower`
 * names who threw it when the value itself cannot be read.
 */
export function safeErrorMessage(err: unknown, max = MAX_ERROR_CHARS, thrower = 'the agent'): string {
  if (types.isProxy(err)) return `${thrower} threw a value that cannot be read (a Proxy)`;
  if (typeof err === 'string') return cap(err, max);
  if (typeof err !== 'object' && typeof err !== 'function') {
    // Numbers, booleans, bigints, symbols, undefined: String() cannot throw for these.
    return cap(String(err as string | number | boolean | bigint | symbol | undefined), max);
  }
  if (err === null) return 'null';
  const message = messageProperty(err);
  if (message !== undefined) return cap(message, max);
  try {
    const text: unknown = String(err);
    if (typeof text === 'string') return cap(text, max);
  } catch {
    // A toString that throws: say what it was instead.
  }
  return `${thrower} threw a value that cannot be read (${types.isNativeError(err) ? 'an Error' : typeof err === 'object' ? 'an object' : 'a function'})`;
}

/**
 * An Error safe to read for `err`: the same Error when it is a real one (not a Proxy) with a
 * readable message of at most MAX_ERROR_CHARS characters, else a new Error with the safe message.
 */
export function safeError(err: unknown, thrower = 'the agent'): Error {
  if (!types.isProxy(err) && types.isNativeError(err)) {
    const message = messageProperty(err);
    if (message !== undefined && message.length <= MAX_ERROR_CHARS) return err;
  }
  const safe = new Error(safeErrorMessage(err, MAX_ERROR_CHARS, thrower));
  safe.name = 'AgentError';
  return safe;
}

/** A copy of `usage` with its two counts read safely (the engine checks them). */
function safeUsage(usage: unknown): unknown {
  if (typeof usage !== 'object' || usage === null) return usage; // a primitive is safe (the engine refuses it)
  if (types.isProxy(usage)) return {};
  try {
    const { input_tokens: input, output_tokens: output } = usage as Record<string, unknown>;
    return { input_tokens: input, output_tokens: output };
  } catch {
    return {};
  }
}

/** The agent's result as a plain object read safely; throws a safe Error when it cannot be read. */
function safeResult(result: unknown): AgentResult {
  if (types.isProxy(result)) throw new Error('the agent returned a value that cannot be read (a Proxy)');
  if (typeof result !== 'object' || result === null) return result as AgentResult;
  let response: unknown;
  let usage: unknown;
  try {
    ({ response, usage } = result as Record<string, unknown>);
  } catch (err) {
    throw safeError(err);
  }
  if (types.isProxy(response)) throw new Error('the agent returned a response that cannot be read (a Proxy)');
  const safe = safeUsage(usage);
  return { response: response as string, ...(safe === undefined ? {} : { usage: safe as AgentResult['usage'] }) };
}

/** `agent`, with what it throws and returns made safe to read (see the file comment). */
export function guardAgent(agent: Agent): Agent {
  return {
    name: agent.name,
    description: agent.description,
    ...(agent.historyTurns === undefined ? {} : { historyTurns: agent.historyTurns }),
    async run(ctx) {
      let result: unknown;
      try {
        result = await agent.run(ctx);
      } catch (err) {
        throw safeError(err);
      }
      return safeResult(result);
    },
  };
}

/**
 * `tool`, with what its `execute` throws made safe to read (the call then fails with that
 * message, cut to MAX_ERROR_CHARS) and its `parameters` read once, now.
 */
export function guardTool(tool: Tool): Tool {
  const parameters = tool.parameters;
  return {
    name: tool.name,
    description: tool.description,
    parameters,
    async execute(args, signal) {
      try {
        return await tool.execute(args, signal);
      } catch (err) {
        throw safeError(err, `tool '${tool.name}'`);
      }
    },
  };
}
