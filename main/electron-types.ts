/**
 * The small slice of Electron's API that main/ uses, typed locally so that type-checking
 * never needs the (optional) `electron` package. Keep these structurally compatible with
 * Electron's own types (electron.d.ts of the version in package.json): where electron is
 * installed, `main/electron-types.compat.ts` checks that they are.
 */
import type { IpcChannel } from '../protocol/index.ts';

export interface WebPreferencesLike {
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  webviewTag: boolean;
  preload: string;
}

export interface BrowserWindowOptionsLike {
  width: number;
  height: number;
  show: boolean;
  title: string;
  webPreferences: WebPreferencesLike;
}

/** A frame as the main process sees it (Electron's WebFrameMain). */
export interface SenderFrameLike {
  readonly url: string;
  /** null for the top frame of its webContents. */
  readonly parent: SenderFrameLike | null;
}

export interface IpcInvokeEventLike {
  /** null when the frame navigated away or was destroyed before the call arrived. */
  readonly senderFrame: SenderFrameLike | null;
  readonly sender: { readonly id: number };
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void;
}

export interface IpcRendererLike {
  invoke(channel: IpcChannel, ...args: unknown[]): Promise<unknown>;
}

export interface ContextBridgeLike {
  exposeInMainWorld(apiKey: string, api: unknown): void;
}

export interface PreventableEventLike {
  preventDefault(): void;
}

/** The details object of will-navigate, will-redirect and will-frame-navigate (Electron >= 25). */
export interface NavigationEventLike extends PreventableEventLike {
  readonly url: string;
  readonly isMainFrame: boolean;
}

export type NavigationEventName = 'will-navigate' | 'will-redirect' | 'will-frame-navigate';

export interface WebContentsLike {
  readonly id: number;
  /** The session its page runs in (the default one for the window). */
  readonly session: SessionLike;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
  on(event: NavigationEventName, listener: (event: NavigationEventLike) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEventLike, webPreferences: object, params: Record<string, string>) => void): unknown;
  on(event: 'will-prevent-unload', listener: (event: PreventableEventLike) => void): unknown;
}

export type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
export type PermissionCheckHandler = (webContents: unknown, permission: string, requestingOrigin: string, details: unknown) => boolean;

export interface SessionLike {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
}

export interface AppLike {
  whenReady(): Promise<void>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  quit(): void;
  on(event: 'will-quit', listener: (event: PreventableEventLike) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, webContents: WebContentsLike) => void): unknown;
}

export interface MessageBoxOptionsLike {
  type: 'question' | 'warning' | 'info';
  buttons: string[];
  defaultId: number;
  cancelId: number;
  message: string;
  detail?: string;
}

/** What `require('electron')` returns in the main process (only the parts we use). */
export interface ElectronMainModule {
  app: AppLike;
  BrowserWindow: new (options: BrowserWindowOptionsLike) => BrowserWindowLike;
  ipcMain: IpcMainLike;
  dialog: {
    showErrorBox(title: string, content: string): void;
    /** `window`: the parent window (a BrowserWindow; typed loosely, as Electron's takes any BaseWindow). */
    showMessageBoxSync(window: object, options: MessageBoxOptionsLike): number;
  };
  shell: { openPath(path: string): Promise<string> };
  session: { defaultSession: SessionLike };
}

/** What `require('electron')` returns in a preload script (only the parts we use). */
export interface ElectronPreloadModule {
  contextBridge: ContextBridgeLike;
  ipcRenderer: IpcRendererLike;
}
