/** The scenario library: built-in and saved scenarios with tags and validity, a filter, New and Import HAR. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ScenarioSummary } from '../../../../protocol/index.ts';
import { useConnections } from '../users/index.ts';
import { scenarioActions, scenarioStore } from './scenario-store.ts';
import { libraryTags } from './scenario-batch.ts';

function matches(s: ScenarioSummary, query: string): boolean {
  if (!query) return true;
  return [s.name, s.id, s.source, s.description ?? '', ...s.tags].some((t) => t.toLowerCase().includes(query));
}

export function ScenarioLibraryPanel() {
  const { library, libraryLoaded, libraryError, importError, filter, doc, batch, run } = scenarioStore.use();
  const tags = useMemo(() => libraryTags(library), [library]);
  const [tag, setTag] = useState('');
  const busy = batch?.state === 'running' || run?.state === 'running';
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
      <div className="row-form batch-form">
        <button data-testid="scenario-run-all" disabled={busy || library.length === 0} onClick={() => void scenarioActions.runBatch(null)} title="run every scenario, one after another">
          ▶ Run all
        </button>
        <select data-testid="scenario-tag-select" value={tag} onChange={(e) => setTag(e.target.value)} aria-label="tag to run">
          <option value="">tag…</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button data-testid="scenario-run-tag" disabled={busy || !tag} onClick={() => void scenarioActions.runBatch(tag)} title="run the scenarios with this tag">
          ▶ Run tag
        </button>
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
                className={`validity ${s.valid ? 'file-valid' : 'file-invalid'}`}
                title={s.valid ? 'valid file (parses and matches the schema; says nothing about a run)' : (s.issues ?? []).map((i) => `${i.path}: ${i.message}`).join('\n')}
              >
                {s.valid ? '{ }' : `⚠ ${s.issues?.length ?? ''}`}
              </span>
              <span className="scenario-name" title={s.name}>
                {s.name}
              </span>
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
