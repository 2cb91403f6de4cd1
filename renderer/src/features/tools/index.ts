/**
 * Tools: every tool of the target run from a form generated from its JSON Schema (or raw
 * JSON), as one of the console's users, through the backend's `tool-call` agent; and the
 * catalog's events (agent-module reloads: the banner, and `useCatalogVersion` for lists of
 * agents and tools to read again).
 */
export { ToolsView } from './tools-view.tsx';
export { CatalogNotices } from './catalog-notices.tsx';
export { useCatalogVersion, parseSse, applyCatalogMessage, noticeOf, type CatalogNotice, type CatalogState } from './catalog-events.ts';
export { toolsActions, useTools, type ToolsState } from './tools-store.ts';
export {
  argumentsText,
  emptyValue,
  fieldOf,
  fieldsOf,
  initialArguments,
  missingRequired,
  parseArgumentsText,
  pathLabel,
  readInput,
  removeItemAt,
  setAt,
  valueAt,
  type FieldKind,
  type FieldPath,
  type FormField,
} from './schema-form.ts';
export { applyEnvelope, parseRunError, toolCallMessage, TOOL_CALL_AGENT, type CallError, type ToolCall, type Violation } from './tool-call.ts';
