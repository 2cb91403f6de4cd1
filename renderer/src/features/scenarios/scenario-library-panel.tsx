/** The scenario library: built-in and saved scenarios with tags and validity, a filter, New and Import HAR. */
import { useEffect, useMemo, useRef } from 'react';
import type { ScenarioSummary } from '../../../../protocol/index.ts';
import { useConnections } from '../users/index.ts';
import { scenarioActions, scenarioStore } from './scenario-store.ts';

function matches(s: ScenarioSummary, query: string): boolean {
  if (!query) return true;
  return [s.name, s.id, s.source, s.description ?? '', ...s.tags].some((t) => t.toLowerCase().includes(query));
}

export function ScenarioLibraryPanel() {
  const { library, libraryLoaded, libraryError, importError, filter, doc } = scenarioStore.use();
  const baseUrl = useConnections((s) => s.baseUrl);
  const fileInput = useRef<HTMLInputElement>(null);
  const query = filter.trim().toLowerCase();
  const shown = useMemo(() => library.filter((s) => matches(s, query)), [library, query]);

  // Loaded when first shown, and again for another backend.
  useEffect(() => {
    void scenarioActions.refreshLibrary();
  }, [baseUrl]);

  return (
    <section className="panel library-panel" data-testid="scenario-library">
      <header className="panel-head">
        <h2>
          Scenarios{' '}
          <span className="count">
            {shown.length}/{library.length}
          </span>
        </h2>
        <div className="filters">
          <button className="primary" data-testid="scenario-new" onClick={() => void scenarioActions.newScenario()}>
            New
          </button>
          <button
            data-testid="har-import"
            onClick={() => fileInput.current?.click()}
            title="a .har file with WebSocket messages (Chrome, Playwright, Flowscope)"
          >
            Import HAR
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".har,application/json"
            hidden
            data-testid="har-import-input"
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void scenarioActions.importHar(file);
            }}
          />
          <button className="ghost" onClick={() => void scenarioActions.refreshLibrary()} title="reload the list">
            ↻
          </button>
        </div>
      </header>
      <div className="row-form">
        <input
          data-testid="scenario-filter"
          placeholder="filter by name, tag, id…"
          value={filter}
          onChange={(e) => scenarioActions.setFilter(e.target.value)}
        />
      </div>
      {libraryError && <div className="error-text pad">{libraryError}</div>}
      {importError && (
        <div className="error-text pad" data-testid="har-import-error">
          {importError}
        </div>
      )}
      <ul className="scenario-list">
        {shown.map((s) => (
          <li
            key={s.id}
            className={`scenario-item${doc?.id === s.id ? ' open' : ''}`}
            data-testid="scenario-item"
            data-id={s.id}
            data-source={s.source}
            data-valid={s.valid ? 'true' : 'false'}
            onClick={() => void scenarioActions.open(s.id)}
            title={s.description ?? s.file}
          >
            <div className="scenario-line">
              <span
                className={`validity ${s.valid ? 'ok' : 'bad'}`}
                title={s.valid ? 'valid' : (s.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('\n')}
              >
                {s.valid ? '✓' : `✗ ${s.issues?.length ?? ''}`}
              </span>
              <span className="scenario-name">{s.name}</span>
              <span className={`source source-${s.source}`}>{s.source}</span>
            </div>
            <div className="scenario-meta">
              <span className="mono muted">{s.id}</span>
              {s.tags.map((t) => (
                <span key={t} className="tag">
                  {t}
                </span>
              ))}
            </div>
          </li>
        ))}
        {!libraryLoaded && <li className="muted pad">Loading…</li>}
        {libraryLoaded && shown.length === 0 && (
          <li className="muted pad">{library.length ? 'Nothing matches the filter.' : 'No scenarios yet: New, Record or Import HAR.'}</li>
        )}
      </ul>
    </section>
  );
}
