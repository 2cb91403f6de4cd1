/**
 * The small slice of Electron's API that main/ uses, typed locally so that type-checking
 * never needs the (optional) `electron` package. Keep these structurally compatible with
 * Electron's own types.
 */
import type { IpcChannel } from '../protocol/index.ts';

export interface WebPreferencesLike {
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  preload: string;
}

export interface BrowserWindowOptionsLike {
  width: number;
  height: number;
  show: boolean;
  title: string;
  webPreferences: WebPreferencesLike;
}

export interface SenderFrameLike {
  url: string;
}

export interface IpcInvokeEventLike {
  senderFrame: SenderFrameLike | null;
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

export interface WebContentsLike {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' | 'allow' }): void;
  on(event: 'will-navigate', listener: (event: PreventableEventLike, url: string) => void): void;
  on(event: 'will-prevent-unload', listener: (event: PreventableEventLike) => void): void;
}

export type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void) => void;

export interface SessionLike {
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void;
}

export interface BrowserWindowLike {
  webContents: WebContentsLike;
  loadURL(url: string): Promise<void>;
  once(event: 'ready-to-show', listener: () => void): void;
  show(): void;
}

export interface AppLike {
  whenReady(): Promise<void>;
  getPath(name: 'userData'): string;
  getVersion(): string;
  quit(): void;
  on(event: 'will-quit', listener: (event: PreventableEventLike) => void): void;
  on(event: 'window-all-closed', listener: () => void): void;
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
    showMessageBoxSync(window: BrowserWindowLike, options: MessageBoxOptionsLike): number;
  };
  shell: { openPath(path: string): Promise<string> };
  session: { defaultSession: SessionLike };
}

/** What `require('electron')` returns in a preload script (only the parts we use). */
export interface ElectronPreloadModule {
  contextBridge: ContextBridgeLike;
  ipcRenderer: IpcRendererLike;
}
