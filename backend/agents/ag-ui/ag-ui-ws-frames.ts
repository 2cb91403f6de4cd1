/**
 * The `/ws?events=ag-ui` option (docs/protocol.md, "AG-UI event frames"): on a WebSocket
 * connection opened with it, each run event is sent as one `ag_ui` frame holding the AG-UI
 * events it maps to (flowscope-to-ag-ui.ts), with the run id, thread id and seq of the
 * Flowscope event, so `resume` with `after_seq` works unchanged. Every other envelope
 * (message_ack, error, pong) is sent as it is. Without the option nothing changes.
 */
import type { ServerEnvelope } from '../../../protocol/index.ts';
import { runEventToAgui } from './flowscope-to-ag-ui.ts';

export const WS_EVENT_ENCODINGS = ['flowscope', 'ag-ui'] as const;

export type WsFrameEncoder = (envelope: ServerEnvelope) => string;

const flowscopeFrame: WsFrameEncoder = (envelope) => JSON.stringify(envelope);

function aguiFrame(envelope: ServerEnvelope): string {
  const run = envelope as ServerEnvelope & { run_id?: unknown; thread_id?: unknown; seq?: unknown };
  if (typeof run.seq !== 'number' || typeof run.run_id !== 'string') return JSON.stringify(envelope);
  const threadId = typeof run.thread_id === 'string' ? run.thread_id : '';
  const events = runEventToAgui(run as Parameters<typeof runEventToAgui>[0], { threadId, runId: run.run_id });
  return JSON.stringify({ type: 'ag_ui', run_id: run.run_id, thread_id: threadId, seq: run.seq, events });
}

/** The frame encoder the `events` query parameter asks for, or the problem (an unknown value). */
export function wsFrameEncoder(value: string | null | undefined): { ok: true; encode: WsFrameEncoder } | { ok: false; message: string } {
  if (value === null || value === undefined || value === '' || value === 'flowscope') return { ok: true, encode: flowscopeFrame };
  if (value === 'ag-ui') return { ok: true, encode: aguiFrame };
  return { ok: false, message: `events: ${WS_EVENT_ENCODINGS.join(' or ')} (got "${value.slice(0, 40)}").` };
}
