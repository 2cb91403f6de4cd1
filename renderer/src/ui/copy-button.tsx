/** A small button that copies a text to the clipboard and says so for a moment. */
import { useState } from 'react';

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // no clipboard permission (an http page, a test browser): the old way
    const area = document.createElement('textarea');
    area.value = text;
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

interface Props {
  text: string | (() => string);
  label?: string;
  title?: string;
  testId?: string;
}

export function CopyButton({ text, label = 'Copy', title, testId = 'copy-button' }: Props) {
  const [done, setDone] = useState<'ok' | 'failed' | null>(null);
  return (
    <button
      type="button"
      className="chip copy"
      data-testid={testId}
      data-copied={done ?? undefined}
      title={title ?? 'copy to the clipboard'}
      onClick={(e) => {
        e.stopPropagation();
        void copyText(typeof text === 'function' ? text() : text).then((ok) => {
          setDone(ok ? 'ok' : 'failed');
          setTimeout(() => setDone(null), 1200);
        });
      }}
    >
      {done === 'ok' ? 'Copied' : done === 'failed' ? 'Copy failed' : label}
    </button>
  );
}
