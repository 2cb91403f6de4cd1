/** Messages sent from the composer; click one to load it back into the editor. */
import { useConsole } from './console-store.ts';

export function SentHistory({ onLoad }: { onLoad(text: string): void }) {
  const { sent } = useConsole();
  if (sent.length === 0) return null;
  return (
    <ul className="sent-history" data-testid="sent-history">
      {sent.map((s) => (
        <li key={s.key} onClick={() => onLoad(s.text)} title="load into editor">
          <span className="time">{new Date(s.sentAt).toLocaleTimeString()}</span>
          <span className="tag">{s.userId}</span>
          <code>{s.text.replace(/\s+/g, ' ').slice(0, 90)}</code>
        </li>
      ))}
    </ul>
  );
}
