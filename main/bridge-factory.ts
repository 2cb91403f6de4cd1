/** Builds `window.flowscope`: one function per operation, each on its fixed channel. Pure. */
import type { BackendInfo, FlowscopeBridge } from '../protocol/index.ts';
import type { IpcRendererLike } from './electron-types.ts';

export function createBridge(ipcRenderer: IpcRendererLike): FlowscopeBridge {
  return Object.freeze({
    getBackendInfo: () => ipcRenderer.invoke('flowscope:get-backend-info') as Promise<BackendInfo>,
    getAppVersion: () => ipcRenderer.invoke('flowscope:get-app-version') as Promise<string>,
    openDataDir: async () => {
      await ipcRenderer.invoke('flowscope:open-data-dir');
    },
  });
}
