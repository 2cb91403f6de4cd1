/** Layout of the console. */
import { ComposerPanel } from './composer-panel.tsx';
import { EventStreamPanel } from './event-stream-panel.tsx';
import { HistoryPanel } from './history-panel.tsx';
import { RunTimelinePanel } from './run-timeline-panel.tsx';
import { StatusBar } from './status-bar.tsx';
import { UsersPanel } from './users-panel.tsx';

export function App() {
  return (
    <div className="app">
      <StatusBar />
      <main className="grid">
        <div className="col left">
          <UsersPanel />
          <HistoryPanel />
        </div>
        <div className="col mid">
          <ComposerPanel />
          <EventStreamPanel />
        </div>
        <div className="col right">
          <RunTimelinePanel />
        </div>
      </main>
    </div>
  );
}
