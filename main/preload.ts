/**
 * Preload: exposes only the typed bridge on `window.flowscope`, never ipcRenderer.
 * A sandboxed preload must be one CommonJS file that requires nothing but `electron`, so the
 * build bundles this file with the bridge into dist/node/main/preload.cjs (npm run build:node).
 */
import type { ElectronPreloadModule } from './electron-types.ts';
import { createBridge } from './bridge-factory.ts';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS bundle: the only way a sandboxed preload loads electron
const { contextBridge, ipcRenderer } = require('electron') as ElectronPreloadModule;

contextBridge.exposeInMainWorld('flowscope', createBridge(ipcRenderer));
