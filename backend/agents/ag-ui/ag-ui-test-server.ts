/**
 * For the AG-UI tests: a real HTTP server (../http/agent-test-server.ts) whose handler plays
 * an AG-UI agent, writing its events as SSE with @ag-ui/encoder's EventEncoder, each event
 * checked against @ag-ui/core's EventSchema first (a test cannot send an event the
 * protocol's own packages would not).
 */
import type http from 'node:http';
import { EventEncoder } from '@ag-ui/encoder';
import type { BaseEvent } from '@ag-ui/core';
import { EventSchema } from '@ag-ui/core/schemas';

export { closedPort, recordedContext, useAgentServers, type ReceivedRequest } from '../http/agent-test-server.ts';

/** An event to send: a protocol event (validated), or `{ raw }` SSE text written as it is. */
export type Outgoing = BaseEvent | { raw: string };

/** Starts an SSE answer and returns `send` (writes one event) and `end`. */
export function sseAnswer(res: http.ServerResponse, accept?: string): { send(event: Outgoing): void; end(): void } {
  const encoder = new EventEncoder(accept === undefined ? {} : { accept });
  res.writeHead(200, { 'content-type': encoder.getContentType(), 'cache-control': 'no-cache' });
  return {
    send(event) {
      if ('raw' in event && typeof event.raw === 'string') {
        res.write(event.raw);
        return;
      }
      EventSchema.parse(event);
      res.write(encoder.encodeSSE(event as BaseEvent));
    },
    end: () => res.end(),
  };
}

/** Writes `events` as one SSE answer and ends it. */
export function sse(res: http.ServerResponse, events: Outgoing[]): void {
  const answer = sseAnswer(res);
  for (const event of events) answer.send(event);
  answer.end();
}

/** RUN_STARTED / RUN_FINISHED for the request's thread and run. */
export function started(body: unknown): BaseEvent {
  const { threadId, runId } = body as { threadId: string; runId: string };
  return { type: 'RUN_STARTED', threadId, runId } as BaseEvent;
}
export function finished(body: unknown, extra: Record<string, unknown> = {}): BaseEvent {
  const { threadId, runId } = body as { threadId: string; runId: string };
  return { type: 'RUN_FINISHED', threadId, runId, ...extra } as BaseEvent;
}

/** A whole assistant text message. */
export function text(messageId: string, content: string): BaseEvent[] {
  return [
    { type: 'TEXT_MESSAGE_START', messageId, role: 'assistant' },
    { type: 'TEXT_MESSAGE_CONTENT', messageId, delta: content },
    { type: 'TEXT_MESSAGE_END', messageId },
  ] as BaseEvent[];
}

/** A whole tool call (its arguments in two deltas). */
export function toolCall(toolCallId: string, toolCallName: string, args: object): BaseEvent[] {
  const json = JSON.stringify(args);
  const half = Math.floor(json.length / 2);
  return [
    { type: 'TOOL_CALL_START', toolCallId, toolCallName },
    { type: 'TOOL_CALL_ARGS', toolCallId, delta: json.slice(0, half) },
    { type: 'TOOL_CALL_ARGS', toolCallId, delta: json.slice(half) },
    { type: 'TOOL_CALL_END', toolCallId },
  ] as BaseEvent[];
}
