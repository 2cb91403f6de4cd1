/** One-line summary of a received envelope for the event stream. */
import type { ReceivedEnvelope } from '../../../../client/flowscope-connection.ts';

export function summarize(env: ReceivedEnvelope): string {
  const p = (env.payload ?? {}) as Record<string, unknown>;
  switch (env.type) {
    case 'error':
      return `${String(p.code)} · ${String(p.message ?? '')}`;
    case 'message_ack':
      return `run ${String(p.run_id)} · queue ${String(p.queue_position)}${p.duplicate ? ' · duplicate' : ''}`;
    case 'agent_started':
      return `${String(p.agent)} · ${String(p.input ?? '').slice(0, 60)}`;
    case 'agent_thinking':
      return `#${String(p.step)} ${String(p.thought ?? '').slice(0, 80)}`;
    case 'tool_executing':
      return `${String(p.tool)} ${JSON.stringify(p.args ?? {}).slice(0, 60)}`;
    case 'tool_completed':
      return `${String(p.tool)} ${p.ok ? 'ok' : 'failed'} · ${String(p.duration_ms)} ms`;
    case 'agent_completed':
      return `${String(p.status)} · ${String(p.response ?? p.error ?? '').slice(0, 80)}`;
    default:
      return JSON.stringify(p).slice(0, 80);
  }
}
