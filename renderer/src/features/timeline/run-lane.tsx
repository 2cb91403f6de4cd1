/**
 * One run: event markers on a time axis with the gaps in ms (server time), the five-event
 * checklist (pending while the run goes, "not used" for a tool pair it never needed), its
 * duration (ticking while it runs), status, Cancel while it runs, and its menu (exports).
 */
import { memo, useState } from 'react';
import { GOLDEN_PATH_EVENTS } from '../../../../protocol/index.ts';
import { CancelRunButton } from '../live-events/index.ts';
import { useNow } from '../../ui/use-now.ts';
import { formatGap } from '../../ui/time-format.ts';
import { getConnections } from '../users/index.ts';
import { laneDuration, laneGaps, laneSpan, type CheckState, type RunLaneModel } from './run-model.ts';
import { downloadRunExport, EXPORT_FORMATS, runExportUrl } from './run-export.ts';
import { formatStageMs } from '../../../../scenario/run-stages.ts';

const CHECK_MARK: Record<CheckState, string> = { seen: '✓', pending: '○', 'not-used': '–', 'not-reached': '–', missing: '✗' };
const CHECK_TITLE: Record<CheckState, string> = {
  seen: 'arrived',
  pending: 'not yet: the run is still going',
  'not-used': 'not used: the run needed no tool',
  'not-reached': 'not reached: the run ended before it',
  missing: 'missing: the run succeeded without it',
};

function RunMenu({ lane, open, onMenuToggle }: { lane: RunLaneModel; open?: boolean | undefined; onMenuToggle?: ((open: boolean) => void) | undefined }) {
  // with the run it is about: the panel may show another run in this lane's elements later
  const [failed, setFailed] = useState<{ runId: string; error: string } | null>(null);
  const error = failed?.runId === lane.runId ? failed.error : null;
  const baseUrl = getConnections().baseUrl;
  // the items only while open (kept by the caller): in a flood every lane in view is rendered
  // again twice a second, and a closed menu's links were elements updated for nothing
  const items = open ?? true;
  return (
    <details className="run-menu" data-testid="run-menu" open={open} onToggle={(e) => onMenuToggle?.(e.currentTarget.open)}>
      <summary title="run actions">⋯</summary>
      {items && (
        <div className="run-menu-items">
          {EXPORT_FORMATS.map(({ format, label }) => (
            <a
              key={format}
              href={runExportUrl(baseUrl, lane.runId, format)}
              download
              data-testid={`export-run-${format}`}
              onClick={(e) => {
                e.preventDefault();
                const runId = lane.runId;
                setFailed(null);
                void downloadRunExport(lane.userId, runId, format).then((err) => setFailed(err === null ? null : { runId, error: err }));
              }}
            >
              {label}
            </a>
          ))}
          {error && (
            <span className="error-text wrap" data-testid="run-export-error">
              {error}
            </span>
          )}
        </div>
      )}
    </details>
  );
}

const SHORT: Record<string, string> = {
  agent_started: 'start',
  agent_thinking: 'think',
  tool_executing: 'tool▶',
  tool_completed: 'tool✓',
  agent_completed: 'done',
};

interface Props {
  lane: RunLaneModel;
  /** Live events are filtered to this run. */
  focused: boolean;
  /** Show only this run in Live events (or all runs again when focused). */
  onFocus(): void;
  /** Cancel and the run menu (runs of the console's users; not the scenario runner's). */
  controls?: boolean;
  /**
   * The run menu is open (kept by the caller, by run: a list that shows another run in this
   * lane's elements next opens the menu where its run then is); absent, the menu keeps its own.
   */
  menuOpen?: boolean | undefined;
  /** The run menu opened or closed. */
  onMenuToggle?: ((open: boolean) => void) | undefined;
  /**
   * How often a running lane's duration ticks (ms; 250 unless told): in a flood the timeline
   * slows it (its lanes are brought up to date every half second anyway, and a tick between
   * is one more frame of layout and paint).
   */
  tickMs?: number | undefined;
}

/** Memoized: a lane whose run did not change (the same model) is not rendered again. */
export const RunLane = memo(function RunLane({ lane, focused, onFocus, controls = false, menuOpen, onMenuToggle, tickMs = 250 }: Props) {
  const running = lane.status === 'running';
  const now = useNow(tickMs, running);
  const first = lane.events[0]?.at ?? 0;
  const span = Math.max(1, laneSpan(lane));
  const duration = laneDuration(lane, now);
  const gaps = laneGaps(lane);
  return (
    <div
      className={`run-lane status-${lane.status}${lane.flagged ? ' bad' : ''}${focused ? ' focused' : ''}`}
      data-testid="run-lane"
      data-run-id={lane.runId}
      data-user={lane.userId}
      data-status={lane.status}
      data-focused={focused ? 'true' : 'false'}
    >
      <div className="lane-head">
        <span className="tag" title={lane.userId}>
          {lane.userId}
        </span>
        <button
          className="run-id link mono"
          data-testid="lane-run-filter"
          title={focused ? 'Live events: show all runs' : 'Live events: show only this run'}
          onClick={onFocus}
        >
          {/* the end stays whole: ids made in one minute share their start (the time) */}
          <span className="run-id-head">{lane.runId.slice(0, -8)}</span>
          <span className="run-id-tail">{lane.runId.slice(-8)}</span>
        </button>
        {lane.source === 'history' && <span className="muted">history</span>}
        <span className={`status-pill ${lane.status}`} data-testid="run-status">
          {lane.status}
        </span>
        <span
          className="muted"
          data-testid="lane-duration"
          data-ms={duration}
          title={running ? 'running: since its first event' : 'first event to last (server time)'}
        >
          {formatStageMs(duration)}
        </span>
        {controls && running && <CancelRunButton userId={lane.userId} runId={lane.runId} testId="lane-cancel-run" />}
        {controls && <RunMenu lane={lane} open={menuOpen} onMenuToggle={onMenuToggle} />}
      </div>
      <div className="axis">
        {lane.events.map(({ event, at }, i) => {
          const gap = i > 0 ? gaps[i - 1] : undefined;
          // Markers keep their order evenly spaced (bursts stay readable), nudged by real time.
          const n = lane.events.length;
          const left = n === 1 ? 0 : ((0.8 * i) / (n - 1)) * 100 + ((at - first) / span) * 20;
          return (
            <div
              // by place: a lane's elements may show another run next (the panel keys slots by place)
              key={i}
              className={`marker m-${event.envelope.type}`}
              style={{ left: `${Math.min(100, left)}%` }}
              title={`${event.envelope.type} seq ${String(event.envelope.seq)} at +${at - first} ms`}
            >
              <span className="dot" />
              <span className="mlabel">{SHORT[event.envelope.type] ?? event.envelope.type}</span>
              {gap !== undefined && (
                <span className="gap" data-ms={gap}>
                  {formatGap(gap)}
                </span>
              )}
            </div>
          );
        })}
      </div>
      <div className="checklist">
        {GOLDEN_PATH_EVENTS.map((t) => {
          const state = lane.checks[t] ?? 'missing';
          return (
            <span
              key={t}
              className={`check-${state}`}
              data-testid={`check-${t}`}
              data-ok={lane.seen[t] ? 'true' : 'false'}
              data-state={state}
              title={`${t}: ${CHECK_TITLE[state]}`}
            >
              {`${CHECK_MARK[state]} ${t}`}
            </span>
          );
        })}
      </div>
      <div className="stages" data-testid="run-stages">
        <span data-testid="stage-queue" title="message_ack → agent_started">
          queue <b>{formatStageMs(lane.stages.queue_wait_ms)}</b>
        </span>
        <span data-testid="stage-first-thinking" title="agent_started → first agent_thinking">
          first thought <b>{formatStageMs(lane.stages.first_thinking_ms)}</b>
        </span>
        {lane.stages.tools.map((t, i) => (
          <span
            key={`${i}`}
            data-testid="stage-tool"
            data-tool={t.tool}
            data-state={t.state}
            className={t.ok === false ? 'error-text' : ''}
            title={`tool ${t.tool} (${t.call_id})${t.reported_ms !== undefined ? `: the agent reported ${t.reported_ms} ms` : ''}`}
          >
            {t.tool} <b>{t.state === 'running' ? 'running' : formatStageMs(t.duration_ms ?? t.reported_ms)}</b>
          </span>
        ))}
        <span data-testid="stage-total" title={`${lane.stages.total_from === 'agent_started' ? 'agent_started' : 'message_ack'} → agent_completed`}>
          total <b>{formatStageMs(lane.stages.total_ms)}</b>
        </span>
      </div>
      {(lane.response || lane.error) && (
        <div className={`final ${lane.error ? 'error-text' : ''}`} data-testid="run-response">
          {lane.error ?? lane.response}
        </div>
      )}
    </div>
  );
});
