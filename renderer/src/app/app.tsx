/**
 * Layout of the console: the live console, the Scenarios view and the Tools view, one shown at
 * a time (the Scenarios view, with its editor, loads when first opened); the agent-module
 * reload notices over all of them.
 */
import { Suspense } from 'react';
import { ComposerPanel } from '../features/composer/index.ts';
import { HistoryPanel } from '../features/history/index.ts';
import { EventStreamPanel } from '../features/live-events/index.ts';
import { ScenariosView, UnsavedChangesGuard } from '../features/scenarios/index.ts';
import { RunTimelinePanel } from '../features/timeline/index.ts';
import { CatalogNotices, ToolsView } from '../features/tools/index.ts';
import { UsersPanel } from '../features/users/index.ts';
import { viewStore } from '../ui/view-store.ts';
import { StatusBar } from './status-bar.tsx';
import { ViewTabs } from './view-tabs.tsx';

export function App() {
  const { view } = viewStore.use();
  return (
    <div className="app">
      <StatusBar />
      <ViewTabs />
      <CatalogNotices />
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
      {view === 'tools' && <ToolsView />}
      <UnsavedChangesGuard />
    </div>
  );
}
