/** Run timeline: one lane per run seen live or loaded from history, newest first. */
import { useMemo } from 'react';
import { actions, useConsole } from './console-store.ts';
import { RunLane } from './run-lane.tsx';
import { buildRuns } from './run-model.ts';

export function RunTimelinePanel() {
  const { events, loadedRuns, eventFilter } = useConsole();
  const lanes = useMemo(() => buildRuns(events, loadedRuns), [events, loadedRuns]);
  return (
    <section className="panel timeline-panel" data-testid="run-timeline">
      <header className="panel-head">
        <h2>
          Run timeline <span className="count">{lanes.length}</span>
        </h2>
      </header>
      <div className="lanes">
        {lanes.map((lane) => (
          <RunLane
            key={lane.runId}
            lane={lane}
            focused={lane.runId === eventFilter.runId}
            onFocus={() => actions.toggleRunFocus(lane.runId, lane.userId)}
          />
        ))}
        {lanes.length === 0 && <div className="muted pad">No runs yet.</div>}
      </div>
    </section>
  );
}
