/**
 * The backend's catalog events (`GET /api/catalog/events`, Server-Sent Events with a Bearer
 * token, so read with fetch rather than EventSource): a reload of an agent module that failed
 * (which file, the one-line reason; the previous version stays in use) or succeeded, and an MCP
 * server's new tool list (`tools_changed`). The console shows the reload notices in a banner and,
 * after a reload or a tool list change, reads the agents and tools again (`version` goes up). The stream comes back after a drop, with backoff.
 */
import { createLazyStore, useStoreSlice } from '../../ui/external-store.ts';

export interface CatalogNotice {
  key: number;
  kind: 'failed' | 'reloaded';
  file: string;
  /** For `failed`: the one-line reason. */
  reason?: string | undefined;
  /** For `reloaded`: the module's agents and tools now. */
  agents?: string[] | undefined;
  tools?: string[] | undefined;
  at: string;
}

export interface CatalogState {
  /** Goes up when the catalog may have changed (a reload, the stream back after a drop): read agents and tools again. */
  version: number;
  /** One notice per module file, the latest. */
  notices: CatalogNotice[];
}

const store = createLazyStore<CatalogState>(() => ({ version: 0, notices: [] }));
let nextKey = 1;
/** The target whose stream was last ready: a stream of it ready again may have missed reloads. */
let readyFor: string | null = null;

export interface SseMessage {
  event: string;
  data: string;
}

/** Splits a text/event-stream buffer into complete messages (comments and `retry:` skipped) and the rest. */
export function parseSse(buffer: string): { messages: SseMessage[]; rest: string } {
  const messages: SseMessage[] = [];
  const text = buffer.replace(/\r\n?/g, '\n');
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) messages.push({ event, data: data.join('\n') });
  }
  return { messages, rest };
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/** A catalog event as a notice; null for anything else (`ready`, unknown events, bad data). */
export function noticeOf(message: SseMessage): Omit<CatalogNotice, 'key'> | null {
  if (message.event !== 'module_reload_failed' && message.event !== 'module_reloaded') return null;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.file !== 'string') return null;
  const at = typeof d.at === 'string' ? d.at : new Date().toISOString();
  if (message.event === 'module_reload_failed') return { kind: 'failed', file: d.file, reason: typeof d.reason === 'string' ? d.reason : 'unknown reason', at };
  return { kind: 'reloaded', file: d.file, agents: strings(d.agents) ?? [], tools: strings(d.tools) ?? [], at };
}

/** Applies one message to the state: a notice replaces the earlier one of its file; a reload bumps the version. */
export function applyCatalogMessage(state: CatalogState, message: SseMessage, reconnected: boolean): CatalogState {
  if (message.event === 'ready') return reconnected ? { ...state, version: state.version + 1 } : state;
  // An MCP server's tool list changed (tools/list_changed, a reconnect): read the tools again.
  if (message.event === 'tools_changed') return { ...state, version: state.version + 1 };
  const notice = noticeOf(message);
  if (!notice) return state;
  const notices = [{ ...notice, key: nextKey++ }, ...state.notices.filter((n) => n.file !== notice.file)];
  return { version: notice.kind === 'reloaded' ? state.version + 1 : state.version, notices };
}

/**
 * Follows the catalog events of `baseUrl` with `token` until the returned function is called.
 * A refused stream (401, 404 on an older backend) is not retried; a dropped one is, with backoff.
 */
export function followCatalogEvents(baseUrl: string, token: string, fetchImpl: typeof fetch = globalThis.fetch.bind(globalThis)): () => void {
  const controller = new AbortController();
  let attempt = 0;
  const run = async (): Promise<void> => {
    while (!controller.signal.aborted) {
      let retry = true;
      try {
        const res = await fetchImpl(`${baseUrl.replace(/\/$/, '')}/api/catalog/events`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
          signal: controller.signal,
        });
        if (!res.ok || !res.body) {
          retry = res.status >= 500;
        } else {
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            const parsed = parseSse(buffer + value);
            buffer = parsed.rest;
            for (const message of parsed.messages) {
              const again = message.event === 'ready' && readyFor === baseUrl;
              if (message.event === 'ready') {
                attempt = 0;
                readyFor = baseUrl;
              }
              store.set(applyCatalogMessage(store.get(), message, again));
            }
          }
        }
      } catch {
        // dropped or unreachable: try again below
      }
      if (!retry || controller.signal.aborted) return;
      attempt += 1;
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** Math.min(attempt, 5))));
    }
  };
  void run();
  return () => controller.abort();
}

export function useCatalog<T>(select: (s: CatalogState) => T): T {
  return useStoreSlice(store, select);
}

/** The catalog's version: a component that lists agents or tools reads them again when it changes. */
export function useCatalogVersion(): number {
  return useStoreSlice(store, (s) => s.version);
}

export const catalogActions = {
  dismiss(key: number): void {
    store.set({ notices: store.get().notices.filter((n) => n.key !== key) });
  },
  /** A new target: its own catalog. */
  reset(): void {
    store.set({ notices: [], version: store.get().version + 1 });
  },
};
