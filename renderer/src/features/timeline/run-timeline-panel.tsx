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

const LANE_SLOT = 176;

export function RunTimelinePanel() {
  const runsVersion = useTimeline((s) => s.runsVersion);
  const focusedRun = useEventLog((s) => s.eventFilter.runId);
  const lanes = useMemo(() => runIndex().lanes(), [runsVersion]);
  const dropped = runIndex().dropped;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: lanes.length,
    getScrollElement: () => scroller.current,
    // A fixed slot (the lane keeps to it): measuring lanes would force a layout per lane per frame.
    estimateSize: () => LANE_SLOT,
    overscan: 4,
    getItemKey: (i) => lanes[i]!.runId,
  });
  return (
    <section className="panel timeline-panel" data-testid="run-timeline">
      <header className="panel-head">
        <h2>
          Run timeline{' '}
          <span className="count" data-testid="lane-count">
            {lanes.length}
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
            const lane = lanes[item.index]!;
            return (
              <div
                key={item.key}
                data-index={item.index}
                className="lane-slot"
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: LANE_SLOT, transform: `translateY(${item.start}px)` }}
              >
                <RunLane lane={lane} focused={lane.runId === focusedRun} onFocus={() => eventLogActions.toggleRunFocus(lane.runId, lane.userId)} />
              </div>
            );
          })}
        </div>
        {lanes.length === 0 && <div className="muted pad">No runs yet.</div>}
      </div>
    </section>
  );
}
