/**
 * Running the tool calls of one model turn, in parallel, through the context: each call is
 * `ctx.callTool(name, args, { callId })` with the model's call id, so its tool_executing /
 * tool_completed pair carries that id (the context validates the arguments against the
 * tool's schema). Arguments that are not a JSON object never reach the tool: the call is
 * reported as a failed pair whose error says so, and the model is told the same.
 *
 * Order: every call's tool_executing is emitted in the model's order as the calls start;
 * their tool_completed come in the order the calls finish. The outcomes are returned in the
 * model's order (the order of the `tool` messages sent back).
 */
import type { AgentContext, ToolOutcome } from '../agent-types.ts';
import { oneLine } from './llm-errors.ts';
import type { AssembledToolCall } from './llm-messages.ts';

type Parsed = { ok: true; args: Record<string, unknown> } | { ok: false; error: string };

/** The arguments object of a call; empty text counts as `{}` (some servers send it for no-argument tools). */
export function parseToolArguments(text: string): Parsed {
  if (text.trim() === '') return { ok: true, args: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `invalid arguments: the model sent arguments that are not valid JSON (${oneLine(reason, 120)}): ${oneLine(text, 200)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return {
      ok: false,
      error: `invalid arguments: the model sent ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a JSON object: ${oneLine(text, 200)}`,
    };
  }
  return { ok: true, args: value as Record<string, unknown> };
}

async function runOne(ctx: AgentContext, call: AssembledToolCall, names: ReadonlyMap<string, string>): Promise<ToolOutcome> {
  // The tool of a mapped function name (an MCP tool `fs.read` offered as `fs__read`).
  const tool = names.get(call.name) ?? call.name;
  const parsed = parseToolArguments(call.argumentsText);
  if (parsed.ok) return ctx.callTool(tool, parsed.args, { callId: call.id });
  await ctx.report({ type: 'tool_executing', payload: { tool, call_id: call.id, args: {} } });
  await ctx.report({ type: 'tool_completed', payload: { tool, call_id: call.id, ok: false, error: parsed.error, duration_ms: 0 } });
  return { callId: call.id, ok: false, error: parsed.error, durationMs: 0 };
}

/**
 * Runs `calls` at once and waits for all of them; rejects with the first failure (an abort)
 * once every call has settled, or at once with `signal.reason` when `signal` aborts (the
 * run's total timeout: the context then completes the calls still open).
 */
export async function runToolCalls(
  ctx: AgentContext,
  calls: readonly AssembledToolCall[],
  signal: AbortSignal,
  names: ReadonlyMap<string, string> = new Map(),
): Promise<ToolOutcome[]> {
  const all = Promise.allSettled(calls.map((call) => runOne(ctx, call, names)));
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const settled = await Promise.race([all, aborted]);
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<ToolOutcome>).value);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    all.catch(() => undefined);
  }
}
