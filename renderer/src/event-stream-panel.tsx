/** Everything every connection received: filters by user, type and text; pause; virtualized list. */
import { useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { SERVER_EVENT_TYPES } from '../../protocol/index.ts';
import { actions, useConsole, type StreamEvent } from './console-store.ts';
import { EventRow } from './event-row.tsx';

export function EventStreamPanel() {
  const { events, users } = useConsole();
  const [user, setUser] = useState('');
  const [type, setType] = useState('');
  const [query, setQuery] = useState('');
  const [frozen, setFrozen] = useState<StreamEvent[] | null>(null);
  const [expanded, setExpanded] = useState<Set<number>>(() => new Set());
  const scroller = useRef<HTMLDivElement>(null);

  const source = frozen ?? events;
  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    const out: StreamEvent[] = [];
    for (let i = source.length - 1; i >= 0; i--) {
      const e = source[i]!;
      if (user && e.userId !== user) continue;
      if (type && e.envelope.type !== type) continue;
      if (q && !JSON.stringify(e.envelope).toLowerCase().includes(q)) continue;
      out.push(e);
    }
    return out;
  }, [source, user, type, query]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 26,
    overscan: 12,
    getItemKey: (i) => rows[i]!.key,
  });

  const toggle = (key: number) =>
    setExpanded((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <section className="panel events-panel" data-testid="event-stream">
      <header className="panel-head">
        <h2>
          Live events <span className="count">{rows.length}/{events.length}</span>
        </h2>
        <div className="filters">
          <select data-testid="filter-user" value={user} onChange={(e) => setUser(e.target.value)} aria-label="filter by user">
            <option value="">all users</option>
            {users.map((u) => (
              <option key={u.userId} value={u.userId}>
                {u.userId}
              </option>
            ))}
          </select>
          <select data-testid="filter-type" value={type} onChange={(e) => setType(e.target.value)} aria-label="filter by type">
            <option value="">all types</option>
            {[...SERVER_EVENT_TYPES, '(unparseable)'].map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          <input data-testid="filter-text" placeholder="search…" value={query} onChange={(e) => setQuery(e.target.value)} />
          <button data-testid="pause-toggle" className={frozen ? 'warn' : ''} onClick={() => setFrozen(frozen ? null : events)}>
            {frozen ? 'Resume' : 'Pause'}
          </button>
          <button className="ghost" onClick={() => actions.clearEvents()}>
            Clear
          </button>
        </div>
      </header>
      <div className="event-list" ref={scroller}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const e = rows[item.index]!;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={virtualizer.measureElement}
                style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}
              >
                <EventRow event={e} expanded={expanded.has(e.key)} onToggle={() => toggle(e.key)} />
              </div>
            );
          })}
        </div>
        {rows.length === 0 && <div className="muted pad">No events{frozen ? ' (paused)' : ''}.</div>}
      </div>
    </section>
  );
}
