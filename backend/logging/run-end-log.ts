/**
 * One log line per run end, written by the process that ends the run (it publishes the run's
 * `agent_completed`): user, run, agent, status, duration_ms, events (the final seq), and the
 * error of a run that did not succeed (cut to ERROR_CHARS). Fed every envelope this process
 * publishes (the event publisher's `emitted` hook), so execution needs no logging of its own.
 *
 * A run ended `interrupted` by a process that never ran it is a run whose process died (the
 * run supervisor ends such orphans, backend/execution/run-supervisor.ts): that line is a
 * warning naming this process (instance id and pid), the one that ended it.
 */
import type { ServerEnvelope } from '../../protocol/index.ts';
import type { Logger } from './logger.ts';

/** Runs started here and not yet ended that are remembered (their agent name); the oldest are forgotten first. */
const MAX_TRACKED = 10_000;
const ERROR_CHARS = 300;

export interface RunEndLogDeps {
  log: Logger;
  instanceId: string;
  /** The process that owned an orphaned run this process ended (told by the run supervisor), once. */
  orphanOwner?(runId: string): string | null | undefined;
  /** The run's agent and start, for a run this process did not start (or forgot). */
  lookup(runId: string): Promise<{ agent: string; startedAt: string | null } | null>;
}

interface Started {
  agent: string;
}

export function logRunEnds(deps: RunEndLogDeps): (envelope: ServerEnvelope) => void {
  const started = new Map<string, Started>();
  const write = (envelope: ServerEnvelope & { type: 'agent_completed' }, agent: string | undefined, here: boolean) => {
    const { status, error, duration_ms } = envelope.payload;
    const fields = {
      user: envelope.user_id,
      run: envelope.run_id,
      agent,
      status,
      duration_ms: Math.round(duration_ms),
      events: envelope.seq,
      ...(status !== 'succeeded' && error ? { error: error.length > ERROR_CHARS ? `${error.slice(0, ERROR_CHARS)}...` : error } : {}),
    };
    if (!here && status === 'interrupted') {
      const owner = deps.orphanOwner?.(envelope.run_id ?? '');
      deps.log(
        'warn',
        `run ended as an orphan: the process that ran it (${owner ?? 'unknown'}) stopped before it ended; ended by this process (${deps.instanceId}, pid ${process.pid})`,
        undefined,
        { ...fields, ...(owner ? { owner } : {}), by: deps.instanceId, pid: process.pid },
      );
      return;
    }
    deps.log('info', 'run ended', undefined, fields);
  };
  return (envelope) => {
    if (envelope.type === 'agent_started' && envelope.run_id) {
      started.set(envelope.run_id, { agent: envelope.payload.agent });
      if (started.size > MAX_TRACKED) started.delete(started.keys().next().value as string);
      return;
    }
    if (envelope.type !== 'agent_completed' || !envelope.run_id) return;
    const runId = envelope.run_id;
    const known = started.get(runId);
    started.delete(runId);
    if (known) {
      write(envelope, known.agent, true);
      return;
    }
    // Not started here: ended before it started (a queued run cancelled), or an orphan.
    deps.lookup(runId).then(
      (run) => write(envelope, run?.agent, false),
      () => write(envelope, undefined, false),
    );
  };
}
