/**
 * The renderer's `beforeunload` warning (unsaved scenario edits) as a native question. In
 * Electron a prevented unload otherwise closes nothing and says nothing. Pure.
 */
import type { PreventableEventLike } from './electron-types.ts';

export interface UnloadEventSource {
  on(event: 'will-prevent-unload', listener: (event: PreventableEventLike) => void): void;
}

/** `confirmLeave` returns true to leave (discarding the edits), false to stay. */
export function installUnloadGuard(webContents: UnloadEventSource, confirmLeave: () => boolean): void {
  webContents.on('will-prevent-unload', (event: PreventableEventLike) => {
    // preventDefault on this event means: ignore the page's beforeunload and unload anyway.
    if (confirmLeave()) event.preventDefault();
  });
}

export const LEAVE_DIALOG = {
  type: 'question',
  buttons: ['Leave', 'Stay'],
  defaultId: 1,
  cancelId: 1,
  message: 'Leave Flowscope?',
  detail: 'A scenario or recording has unsaved changes. Leaving discards them.',
} as const;
