/**
 * `GET /api/catalog/events` (Bearer token, like every /api route): a Server-Sent Events stream
 * of what happens to the agent catalog while the backend runs, for the console. It opens with
 * `event: ready`, then repeats the modules whose last reload failed (their previous version is
 * still in use), then one event per reload of a watched module:
 *
 *   event: module_reloaded
 *   data: {"type":"module_reloaded","file":"./my-agent.ts","agents":["mine"],"tools":[],"at":"..."}
 *
 *   event: module_reload_failed
 *   data: {"type":"module_reload_failed","file":"./my-agent.ts","reason":"failed to load: ...","previous_version_in_use":true,"at":"..."}
 *
 * and one per new tool list of a tool group (an MCP server: its first listing, a reconnect, a
 * tools/list_changed), `tools` its names now, `refused` those left out for a name clash:
 *
 *   event: tools_changed
 *   data: {"type":"tools_changed","group":"mcp server 'fs'","tools":["fs.read"],"refused":[],"at":"..."}
 *
 * A comment line every `heartbeatMs` keeps proxies from closing an idle stream; the stream
 * ends when the client goes or the backend shuts down (`retry:` tells EventSource clients to
 * come back after 2 s).
 */
import type http from 'node:http';
import type { CatalogEvent, CatalogSubscriber } from '../agents/agent-catalog.ts';

/** Subscribes to the catalog's events (AgentCatalog.subscribe); returns the unsubscribe function. */
export type CatalogEventSource = (subscriber: CatalogSubscriber) => () => void;

export const CATALOG_EVENTS_PATH = '/api/catalog/events';
const DEFAULT_HEARTBEAT_MS = 15_000;

function frame(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export function serveCatalogEvents(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  subscribe: CatalogEventSource,
  heartbeatMs = DEFAULT_HEARTBEAT_MS,
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  res.write(`: flowscope catalog events\nretry: 2000\n\n${frame('ready', { at: new Date().toISOString() })}`);
  let open = true;
  let unsubscribe = (): void => undefined;
  const heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
  heartbeat.unref();
  const stop = (): void => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    unsubscribe();
  };
  unsubscribe = subscribe({
    event(event: CatalogEvent) {
      if (open) res.write(frame(event.type, event));
    },
    end() {
      stop();
      res.end();
    },
  });
  // A closed catalog ended the stream at once (end() ran before subscribe returned).
  if (!open) unsubscribe();
  req.once('close', stop);
  res.once('close', stop);
}
