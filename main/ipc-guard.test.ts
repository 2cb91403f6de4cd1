import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../protocol/index.ts';
import type { IpcInvokeEventLike, IpcMainLike } from './electron-types.ts';
import { createIpcGuard, registerIpcHandlers, type IpcHandlers } from './ipc-guard.ts';

const origin = 'http://127.0.0.1:43210';

function fakeIpcMain() {
  const handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  const handle = vi.fn<IpcMainLike['handle']>((channel, listener) => {
    handlers.set(channel, listener);
  });
  return { ipcMain: { handle } satisfies IpcMainLike, handlers, handle };
}

function handlers(): IpcHandlers {
  return {
    'flowscope:get-backend-info': () => ({ url: origin, embedded: true, version: '1.0.0', dataDir: '/data' }),
    'flowscope:get-app-version': () => '1.0.0',
    'flowscope:open-data-dir': () => undefined,
  };
}

describe('createIpcGuard', () => {
  const guard = createIpcGuard(`${origin}/`);
  it('trusts frames on the backend origin', () => {
    expect(guard.isTrustedSender({ url: `${origin}/` })).toBe(true);
    expect(guard.isTrustedSender({ url: `${origin}/index.html#x` })).toBe(true);
  });
  it('rejects null frames and other origins', () => {
    expect(guard.isTrustedSender(null)).toBe(false);
    expect(guard.isTrustedSender({ url: '' })).toBe(false);
    expect(guard.isTrustedSender({ url: 'http://127.0.0.1:1/' })).toBe(false);
    expect(guard.isTrustedSender({ url: 'https://evil.example/' })).toBe(false);
    expect(guard.isTrustedSender({ url: 'file:///index.html' })).toBe(false);
    expect(guard.isTrustedSender({ url: 'about:blank' })).toBe(false);
  });
});

describe('registerIpcHandlers', () => {
  it('registers exactly one handler per channel and nothing else', () => {
    const { ipcMain, handlers: registered, handle } = fakeIpcMain();
    registerIpcHandlers(ipcMain, handlers(), createIpcGuard(origin));
    expect(handle).toHaveBeenCalledTimes(IPC_CHANNELS.length);
    expect([...registered.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
    expect(registered.has('flowscope:unknown')).toBe(false);
    expect(registered.has('invoke')).toBe(false);
  });

  it('answers trusted senders', async () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    registerIpcHandlers(ipcMain, handlers(), createIpcGuard(origin));
    const event = { senderFrame: { url: `${origin}/` } };
    expect(await registered.get('flowscope:get-app-version')?.(event)).toBe('1.0.0');
    expect(await registered.get('flowscope:get-backend-info')?.(event)).toMatchObject({ url: origin, embedded: true });
  });

  it('rejects untrusted senders without calling the handler', () => {
    const { ipcMain, handlers: registered } = fakeIpcMain();
    const spy = vi.fn(() => '1.0.0');
    registerIpcHandlers(ipcMain, { ...handlers(), 'flowscope:get-app-version': spy }, createIpcGuard(origin));
    const listener = registered.get('flowscope:get-app-version');
    expect(() => listener?.({ senderFrame: { url: 'https://evil.example/' } })).toThrow('FORBIDDEN sender');
    expect(() => listener?.({ senderFrame: null })).toThrow('FORBIDDEN sender');
    expect(spy).not.toHaveBeenCalled();
  });
});
