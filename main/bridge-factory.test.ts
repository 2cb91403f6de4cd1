import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../protocol/index.ts';
import { createBridge } from './bridge-factory.ts';
import type { IpcRendererLike } from './electron-types.ts';

describe('createBridge', () => {
  it('exposes exactly the three operations, each on its fixed channel with no arguments', async () => {
    const invoke = vi.fn<IpcRendererLike['invoke']>(async () => undefined);
    const bridge = createBridge({ invoke });
    expect(Object.keys(bridge).sort()).toEqual(['getAppVersion', 'getBackendInfo', 'openDataDir']);
    expect(Object.values(bridge).every((v) => typeof v === 'function')).toBe(true);
    expect('ipcRenderer' in bridge).toBe(false);
    expect('invoke' in bridge).toBe(false);

    await bridge.getBackendInfo();
    await bridge.getAppVersion();
    await bridge.openDataDir();
    expect(invoke.mock.calls).toEqual([['flowscope:get-backend-info'], ['flowscope:get-app-version'], ['flowscope:open-data-dir']]);
    expect(invoke.mock.calls.map((c) => c[0]).sort()).toEqual([...IPC_CHANNELS].sort());
  });

  it('cannot be extended by the page', () => {
    const bridge = createBridge({ invoke: async () => undefined });
    expect(Object.isFrozen(bridge)).toBe(true);
  });
});
