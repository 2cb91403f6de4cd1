/** Window and session hardening. Pure: the Electron objects are injected. */
import type { SessionLike, WebContentsLike } from './electron-types.ts';
import { isAllowedNavigation } from './window-options.ts';

export function denyWindowOpen(webContents: WebContentsLike): void {
  webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function restrictNavigation(webContents: WebContentsLike, backendUrl: string): void {
  webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, backendUrl)) event.preventDefault();
  });
}

export function denyPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
}

export function applySecurityPolicy(webContents: WebContentsLike, session: SessionLike, backendUrl: string): void {
  denyWindowOpen(webContents);
  restrictNavigation(webContents, backendUrl);
  denyPermissions(session);
}
