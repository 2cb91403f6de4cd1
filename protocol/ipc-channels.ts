/**
 * The Electron IPC channel map: one entry per operation the preload exposes. Main checks
 * the sender of every call; the renderer sees only typed functions (window.flowscope).
 */
export interface BackendInfo {
  url: string;
  embedded: boolean;
  version: string;
  dataDir: string;
}

export interface IpcChannelMap {
  'flowscope:get-backend-info': { args: []; result: BackendInfo };
  'flowscope:get-app-version': { args: []; result: string };
  'flowscope:open-data-dir': { args: []; result: void };
}

export type IpcChannel = keyof IpcChannelMap;

export const IPC_CHANNELS: readonly IpcChannel[] = ['flowscope:get-backend-info', 'flowscope:get-app-version', 'flowscope:open-data-dir'];

/** What the preload exposes on `window.flowscope`: one function per channel. */
export interface FlowscopeBridge {
  getBackendInfo(): Promise<BackendInfo>;
  getAppVersion(): Promise<string>;
  openDataDir(): Promise<void>;
}
