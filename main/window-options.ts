/** BrowserWindow options and navigation policy for the Flowscope window. Pure. */
import type { BrowserWindowOptionsLike } from './electron-types.ts';

export function createWindowOptions(preloadPath: string): BrowserWindowOptionsLike {
  return {
    width: 1600,
    height: 950,
    show: false,
    title: 'Flowscope',
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: preloadPath,
    },
  };
}

/** The origin of a URL, or null (unparsable, or an opaque origin such as `data:` or `file:`). */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Only same-origin navigation with the backend is allowed. */
export function isAllowedNavigation(url: string, backendUrl: string): boolean {
  const target = originOf(url);
  const backend = originOf(backendUrl);
  return target !== null && backend !== null && target === backend;
}
