/**
 * The Tools view's state: the target's tools (GET /api/agents, read again when the catalog
 * changes), the picked tool, the user it runs as, each tool's arguments (the form's value and
 * the raw JSON text, in step), and the calls made from here with what became of them (each
 * batch of received events is matched against them).
 */
import type { ToolDescriptor } from '../../../../protocol/index.ts';
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';
import { onEventBatch } from '../live-events/index.ts';
import { connectionActions, onTargetChange, rest } from '../users/index.ts';
import { catalogActions } from './catalog-events.ts';
import { argumentsText, fieldsOf, initialArguments, parseArgumentsText } from './schema-form.ts';
import { applyEnvelope, TOOL_CALL_AGENT, toolCallMessage, type ToolCall } from './tool-call.ts';

export interface ToolDraft {
  value: Record<string, unknown>;
  text: string;
  /** Why the raw text is not an arguments object (the form keeps the last good value). */
  textError: string | null;
}

export interface ToolsState {
  tools: ToolDescriptor[] | null;
  /** The target has the tool-call agent (older backends do not). */
  canRun: boolean;
  loadError: string | null;
  selected: string | null;
  runAs: string | null;
  mode: 'form' | 'json';
  drafts: Record<string, ToolDraft>;
  /** Newest first. */
  calls: ToolCall[];
  /** The call whose outcome the detail shows (picked in the Calls list); else its tool's newest. */
  shown: number | null;
  sendError: string | null;
}

const MAX_CALLS = 30;
const store = createLazyStore<ToolsState>(() => ({
  tools: null,
  canRun: false,
  loadError: null,
  selected: null,
  runAs: null,
  mode: 'form',
  drafts: {},
  calls: [],
  shown: null,
  sendError: null,
}));
let nextKey = 1;

onEventBatch((incoming) => {
  let calls = store.get().calls;
  if (calls.length === 0) return;
  for (const e of incoming) calls = applyEnvelope(calls, e.userId, e.envelope) ?? calls;
  if (calls !== store.get().calls) store.set({ calls });
});

onTargetChange(() => {
  store.set({ tools: null, canRun: false, loadError: null, selected: null, drafts: {}, calls: [], shown: null, sendError: null });
  catalogActions.reset();
});

export function useTools<T>(select: (s: ToolsState) => T): T {
  return useStoreSlice(store, select);
}

function draftFor(tool: ToolDescriptor): ToolDraft {
  const value = initialArguments(fieldsOf(tool.parameters));
  return { value, text: argumentsText(value), textError: null };
}

function setDraft(tool: string, draft: ToolDraft): void {
  store.set({ drafts: { ...store.get().drafts, [tool]: draft } });
}

export const toolsActions = {
  /** Reads the target's tools with a user's token. */
  async load(token: string): Promise<void> {
    try {
      const described = await rest().listAgents(token);
      const state = store.get();
      const selected = state.selected && described.tools.some((t) => t.name === state.selected) ? state.selected : (described.tools[0]?.name ?? null);
      const drafts = { ...state.drafts };
      for (const tool of described.tools) drafts[tool.name] ??= draftFor(tool);
      store.set({ tools: described.tools, canRun: described.agents.some((a) => a.name === TOOL_CALL_AGENT), loadError: null, selected, drafts });
    } catch (err) {
      store.set({ loadError: err instanceof Error ? err.message : String(err) });
    }
  },
  select(tool: string): void {
    store.set({ selected: tool, shown: null, sendError: null });
  },
  /** A call picked in the Calls list: its tool, and that call's outcome in the detail. */
  showCall(key: number): void {
    const call = store.get().calls.find((c) => c.key === key);
    if (call) store.set({ selected: call.tool, shown: key, sendError: null });
  },
  /** A call's arguments back in its tool's form (to run it again, changed or not). */
  useArguments(key: number): void {
    const call = store.get().calls.find((c) => c.key === key);
    if (call) setDraft(call.tool, { value: structuredClone(call.args), text: argumentsText(call.args), textError: null });
  },
  setRunAs(userId: string): void {
    store.set({ runAs: userId });
  },
  setMode(mode: 'form' | 'json'): void {
    store.set({ mode });
  },
  /** The form changed the arguments: the raw text follows. */
  setValue(tool: string, value: Record<string, unknown>): void {
    setDraft(tool, { value, text: argumentsText(value), textError: null });
  },
  /** The raw text changed: the form follows when it is an arguments object. */
  setText(tool: string, text: string): void {
    const parsed = parseArgumentsText(text);
    const previous = store.get().drafts[tool];
    setDraft(tool, parsed.ok ? { value: parsed.value, text, textError: null } : { value: previous?.value ?? {}, text, textError: parsed.error });
  },
  /** Back to the schema's defaults. */
  reset(tool: ToolDescriptor): void {
    setDraft(tool.name, draftFor(tool));
  },
  /** Runs the tool as `userId` over that user's connection; null, or why it could not be sent. */
  run(tool: string, userId: string): string | null {
    const draft = store.get().drafts[tool];
    if (!draft) return 'no arguments';
    if (draft.textError) {
      store.set({ sendError: `the raw JSON is not an arguments object: ${draft.textError}` });
      return draft.textError;
    }
    const messageId = `tool_${Date.now().toString(36)}_${(nextKey++).toString(36)}`;
    const sent = connectionActions.send(userId, toolCallMessage(messageId, tool, draft.value));
    if (!sent.ok) {
      store.set({ sendError: sent.error });
      return sent.error;
    }
    const call: ToolCall = { key: nextKey++, tool, userId, messageId, args: draft.value, sentAt: sent.sentAt, phase: 'sent' };
    store.set({ calls: [call, ...store.get().calls].slice(0, MAX_CALLS), shown: call.key, sendError: null });
    return null;
  },
};
