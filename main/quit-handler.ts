/**
 * Closes the backend once on quit: the first `will-quit` (after every window has closed, so a
 * window that refused to unload keeps both the app and its backend) is deferred until
 * close() settles. Pure.
 */
import type { AppLike } from './electron-types.ts';

export function installQuitHandler(
  app: Pick<AppLike, 'on' | 'quit'>,
  getClose: () => (() => Promise<void>) | null,
  onError: (err: unknown) => void = () => {},
): void {
  let state: 'running' | 'closing' | 'closed' = 'running';
  app.on('will-quit', (event) => {
    if (state === 'closed') return;
    event.preventDefault();
    if (state === 'closing') return;
    state = 'closing';
    const close = getClose();
    void (async () => {
      try {
        if (close) await close();
      } catch (err) {
        onError(err);
      } finally {
        state = 'closed';
        app.quit();
      }
    })();
  });
}
