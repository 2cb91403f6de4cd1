/**
 * Window and session hardening (Electron's security checklist, docs/desktop.md). Pure: the
 * Electron objects are injected.
 *
 * - every webContents the app ever creates (the window's, and any later one: devtools, a
 *   guest, a child) gets, through `app.on('web-contents-created')`: window.open denied,
 *   navigation and redirects (main frame and subframes) kept on the backend's origin,
 *   `<webview>` attachment refused, and its session's permissions denied;
 * - the default session answers every permission request and every permission check with
 *   "no" from the start (electron-main.ts, once the app is ready).
 */
import type { AppLike, NavigationEventLike, NavigationEventName, SessionLike, WebContentsLike } from './electron-types.ts';
import { isAllowedNavigation } from './window-options.ts';

/** The backend's URL once it runs; null before (then no navigation is allowed at all). */
export type TrustedUrl = () => string | null;

/** The events after which a frame would show another document; all get the same rule. */
export const NAVIGATION_EVENTS: readonly NavigationEventName[] = ['will-navigate', 'will-redirect', 'will-frame-navigate'];

export function denyWindowOpen(webContents: WebContentsLike): void {
  webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/**
 * will-navigate (main frame), will-frame-navigate (any frame) and will-redirect (a server
 * redirect during any of them, including a programmatic loadURL): only the backend's origin.
 */
export function restrictNavigation(webContents: WebContentsLike, trustedUrl: TrustedUrl): void {
  const guard = (event: NavigationEventLike): void => {
    const backendUrl = trustedUrl();
    if (backendUrl === null || typeof event.url !== 'string' || !isAllowedNavigation(event.url, backendUrl)) event.preventDefault();
  };
  for (const name of NAVIGATION_EVENTS) webContents.on(name, guard);
}

/** `<webview>` is off in webPreferences; this refuses one even if that ever changed. */
export function denyWebviews(webContents: WebContentsLike): void {
  webContents.on('will-attach-webview', (event) => event.preventDefault());
}

export function guardWebContents(webContents: WebContentsLike, trustedUrl: TrustedUrl): void {
  denyWindowOpen(webContents);
  restrictNavigation(webContents, trustedUrl);
  denyWebviews(webContents);
  // its session too, should it ever be another than the default one (denied for that at app start)
  denyPermissions(webContents.session);
}

/** Guards every webContents created from now on; install it before the first window. */
export function installWebContentsGuard(app: Pick<AppLike, 'on'>, trustedUrl: TrustedUrl): void {
  app.on('web-contents-created', (_event, webContents) => guardWebContents(webContents, trustedUrl));
}

/** Requests (camera, notifications...) get "no"; so do checks (navigator.permissions, clipboard...). */
export function denyPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}
