/**
 * Run timeline: one lane per run seen live or loaded from history, newest first, virtualized
 * (only the lanes in view are rendered). The runs come from the run index, not the live list,
 * so clearing Live events keeps them; Clear here empties the timeline.
 */
import { useMemo, useRef } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { eventLogActions, useEventLog } from '../live-events/index.ts';
import { runIndex, timelineActions, useTimeline } from './timeline-store.ts';
import { RunLane } from './run-lane.tsx';
import { useThrottled } from '../../ui/use-throttled.ts';
import './timeline.css';

const LANE_SLOT = 176;
const LANES_EVERY_MS = 250;

export function RunTimelinePanel() {
  // At most 4 renders a second: in a flood the lanes in view are new runs at each change, and
  // making them anew at every frame costs more than the live list (the index itself is current).
  const runsVersion = useThrottled(
    useTimeline((s) => s.runsVersion),
    LANES_EVERY_MS,
  );
  const focusedRun = useEventLog((s) => s.eventFilter.runId);
  // Only the lanes in view are built: in a flood hundreds of runs change per frame.
  const ids = useMemo(() => runIndex().order(), [runsVersion]);
  const dropped = runIndex().dropped;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: ids.length,
    getScrollElement: () => scroller.current,
    // A fixed slot (the lane keeps to it): measuring lanes would force a layout per lane per frame.
    estimateSize: () => LANE_SLOT,
    // in a flood the lanes in view are new runs at each render: each lane more is work on every one
    overscan: 1,
    getItemKey: (i) => ids[i]!,
  });
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
      <div className="lanes" ref={scroller}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const lane = runIndex().lane(ids[item.index]!);
            if (!lane) return null;
            return (
              <div
                key={item.key}
                data-index={item.index}
                className="lane-slot"
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: LANE_SLOT, transform: `translateY(${item.start}px)` }}
              >
                <RunLane lane={lane} controls focused={lane.runId === focusedRun} onFocus={() => eventLogActions.toggleRunFocus(lane.runId, lane.userId)} />
              </div>
            );
          })}
        </div>
        {ids.length === 0 && <div className="muted pad">No runs yet.</div>}
      </div>
    </section>
  );
}
