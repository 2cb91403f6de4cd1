/** Switches between the live console, the scenario library and the tools; the session recorder sits beside. */
import { RecordControl } from '../features/recording/index.ts';
import { showView, viewStore, type ConsoleView } from '../ui/view-store.ts';

const TABS: Array<{ view: ConsoleView; label: string }> = [
  { view: 'console', label: 'Console' },
  { view: 'scenarios', label: 'Scenarios' },
  { view: 'tools', label: 'Tools' },
];

export function ViewTabs() {
  const { view } = viewStore.use();
  return (
    <nav className="view-tabs" data-testid="view-tabs">
      <div className="tabs" role="tablist">
        {TABS.map((t) => (
          <button
            key={t.view}
            role="tab"
            aria-selected={view === t.view}
            className={`tab${view === t.view ? ' active' : ''}`}
            data-testid={`tab-${t.view}`}
            onClick={() => showView(t.view)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <RecordControl />
    </nav>
  );
}
