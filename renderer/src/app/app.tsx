/** Layout of the console: the live console and the Scenarios view, one shown at a time (the Scenarios view, with its editor, loads when first opened). */
import { lazy, Suspense } from 'react';
import { ComposerPanel } from './composer-panel.tsx';
import { EventStreamPanel } from './event-stream-panel.tsx';
import { HistoryPanel } from './history-panel.tsx';
import { RunTimelinePanel } from './run-timeline-panel.tsx';
import { StatusBar } from './status-bar.tsx';
import { UnsavedChangesGuard } from './unsaved-changes-guard.tsx';
import { UsersPanel } from './users-panel.tsx';
import { ViewTabs } from './view-tabs.tsx';
import { viewStore } from './view-store.ts';

const ScenariosView = lazy(() => import('./scenarios-view.tsx').then((m) => ({ default: m.ScenariosView })));

export function App() {
  const { view } = viewStore.use();
  return (
    <div className="app">
      <StatusBar />
      <ViewTabs />
      <main className="grid" hidden={view !== 'console'} data-testid="console-view">
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
      {view === 'scenarios' && (
        <Suspense fallback={<main className="grid muted pad">loading the Scenarios view…</main>}>
          <ScenariosView />
        </Suspense>
      )}
      <UnsavedChangesGuard />
    </div>
  );
}
