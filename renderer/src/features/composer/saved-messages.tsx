/** Saved messages of the current target: name the editor's text, save it, load it again. */
import { useState } from 'react';
import { sendActions as actions, useSends } from './sends-store.ts';

export function SavedMessages({ text, onLoad }: { text: string; onLoad(text: string): void }) {
  const saved = useSends((s) => s.saved);
  const [name, setName] = useState('');
  return (
    <div className="saved-messages" data-testid="saved-messages">
      <form
        className="saved-form"
        onSubmit={(e) => {
          e.preventDefault();
          actions.saveMessage(name, text);
          setName('');
        }}
      >
        <input data-testid="saved-name" placeholder="name this message" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" data-testid="saved-save" disabled={!name.trim()}>
          Save
        </button>
      </form>
      {saved.map((s) => (
        <span key={s.name} className="saved-chip" data-testid="saved-message" data-name={s.name}>
          <button className="chip" data-testid="saved-load" onClick={() => onLoad(s.text)} title={s.text.slice(0, 300)}>
            {s.name}
          </button>
          <button className="ghost" data-testid="saved-delete" onClick={() => actions.deleteSaved(s.name)} title={`delete ${s.name}`}>
            ×
          </button>
        </span>
      ))}
    </div>
  );
}
