/**
 * Run timeline: one lane per run seen live or loaded from history, newest first, virtualized
 * (only the lanes in view are rendered). The runs come from the run index, not the live list,
 * so clearing Live events keeps them; Clear here empties the timeline.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import { eventLogActions, useEventLog } from '../live-events/index.ts';
import { runIndex, timelineActions, useLanesVersion } from './timeline-store.ts';
import { RunLane } from './run-lane.tsx';
import type { RunLaneModel } from './run-model.ts';
import './timeline.css';
import { useScrollWindow } from '../../ui/use-scroll-window.ts';
import { useSlotBudget } from './slot-budget.ts';

/** A lane's slot (px): its head, axis, checklist, stages and a line of answer, at 1024 px wide too. */
const LANE_SLOT = 196;
const LANES_EVERY_MS = 250;
const LANES_EVERY_MS_IN_FLOOD = 500;
/** A running lane's duration ticks this often (ms), and in a flood this often. */
const TICK_MS = 250;
const TICK_MS_IN_FLOOD = 1000;
/** Lane slots made per frame (slot-budget.ts); one slot more is an update of the others in place. */
const NEW_SLOTS_PER_FRAME = 1;

/** A lane of the panel (the focus handler is one for every lane, so an unchanged lane is not rendered again). */
function LaneInSlot(props: {
  lane: RunLaneModel;
  focused: boolean;
  menuOpen: boolean;
  tickMs: number;
  onFocus(runId: string, userId: string): void;
  onMenuToggle(runId: string, open: boolean): void;
}) {
  const { lane, onFocus, onMenuToggle } = props;
  const focus = useCallback(() => onFocus(lane.runId, lane.userId), [onFocus, lane.runId, lane.userId]);
  const menuToggle = useCallback((open: boolean) => onMenuToggle(lane.runId, open), [onMenuToggle, lane.runId]);
  return <RunLane lane={lane} controls focused={props.focused} menuOpen={props.menuOpen} tickMs={props.tickMs} onFocus={focus} onMenuToggle={menuToggle} />;
}

export function RunTimelinePanel() {
  // At most 4 renders a second, 2 in a flood, never in the live list's frame: in a flood the
  // lanes in view are new runs at each change, and each update is a frame of the browser's
  // style, layout and paint of every lane (the index itself is current; a lane is at most half
  // a second behind its run).
  const flooding = useEventLog((s) => s.flooding);
  const runsVersion = useLanesVersion(flooding ? LANES_EVERY_MS_IN_FLOOD : LANES_EVERY_MS);
  const focusedRun = useEventLog((s) => s.eventFilter.runId);
  // Only the lanes in view are built: in a flood hundreds of runs change per frame.
  const ids = useMemo(() => runIndex().order(), [runsVersion]);
  const dropped = runIndex().dropped;
  const scroller = useRef<HTMLDivElement>(null);
  /** The runs whose menu is open (kept here, by run: the slots show other runs as runs arrive, and the open menu follows its run). */
  const [openMenus, setOpenMenus] = useState<ReadonlySet<string>>(() => new Set());
  const onMenuToggle = useCallback(
    (runId: string, open: boolean) =>
      setOpenMenus((prev) => {
        if (prev.has(runId) === open) return prev;
        const next = new Set(prev);
        if (open) next.add(runId);
        else next.delete(runId);
        return next;
      }),
    [],
  );
  const onFocus = useCallback((runId: string, userId: string) => eventLogActions.toggleRunFocus(runId, userId), []);
  // The lanes in view, from the scroll position: a fixed slot (the lane keeps to it; measuring
  // lanes would force a layout per lane per frame), and none beyond the view (in a flood the
  // lanes in view are new runs at each render: each lane more, ~60 layout objects, is work on
  // every one; a scroll shows the next lane a frame later).
  const { scrollTop, setScrollTop, viewport } = useScrollWindow(scroller);
  const first = Math.max(0, Math.floor(scrollTop / LANE_SLOT));
  const last = Math.min(ids.length - 1, Math.floor((scrollTop + Math.max(0, viewport - 1)) / LANE_SLOT));
  const inView: number[] = [];
  for (let i = first; i <= last; i++) inView.push(i);
  // the slots new to the view (the first runs of a flood, a jump of the scrollbar) one a frame
  const rendered = useSlotBudget(inView, NEW_SLOTS_PER_FRAME);

  return (
    <section className="panel timeline-panel" data-testid="run-timeline">
      <header className="panel-head">
        <h2>
          Run timeline{' '}
          <span className="count" data-testid="lane-count">
            {ids.length}
          </span>
          {dropped > 0 && (
            <span className="dropped" data-testid="runs-dropped">
              {dropped} older runs dropped
            </span>
          )}
        </h2>
        <button className="ghost" data-testid="timeline-clear" onClick={() => timelineActions.clearTimelines()}>
          Clear
        </button>
      </header>
      <div className="lanes" ref={scroller} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div style={{ height: ids.length * LANE_SLOT, position: 'relative' }}>
          {rendered.map((index) => {
            const lane = runIndex().lane(ids[index]!);
            if (!lane) return null;
            return (
              <div
                // By position: in a flood the lanes in view are new runs at each render, and a slot
                // keyed by its place is updated in place (no elements made and removed for each
                // lane). What belongs to a run (its open menu, an export error) goes by run.
                key={`at-${index}`}
                data-index={index}
                // above the next lane while its menu is open (a class, not :has(): a :has() rule
                // makes every change inside any lane a style check of its slot)
                className={`lane-slot${openMenus.has(lane.runId) ? ' menu-open' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: LANE_SLOT, transform: `translateY(${index * LANE_SLOT}px)` }}
              >
                <LaneInSlot
                  lane={lane}
                  focused={lane.runId === focusedRun}
                  menuOpen={openMenus.has(lane.runId)}
                  tickMs={flooding ? TICK_MS_IN_FLOOD : TICK_MS}
                  onFocus={onFocus}
                  onMenuToggle={onMenuToggle}
                />
              </div>
            );
          })}
        </div>
        {ids.length === 0 && <div className="muted pad">No runs yet.</div>}
      </div>
    </section>
  );
}
