import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../protocol/index.ts';
import type { IpcInvokeEventLike, IpcMainLike, SenderFrameLike } from './electron-types.ts';
import { createIpcGuard, IpcForbiddenError, registerIpcHandlers, type IpcHandlers } from './ipc-guard.ts';

const origin = 'http://127.0.0.1:43210';

/** ipcMain as Electron's: one handler per channel, invoke() runs it with the event. */
class FakeIpcMain extends EventEmitter implements IpcMainLike {
  readonly handlers = new Map<string, (event: IpcInvokeEventLike, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  async invoke(channel: string, event: IpcInvokeEventLike): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(event);
  }
}

/** A frame tree as WebFrameMain gives it: the top frame has parent null. */
function frame(url: string, parent: SenderFrameLike | null = null): SenderFrameLike {
  return { url, parent };
}

const windowContents = { id: 7 };
const top = frame(`${origin}/`);
const event = (senderFrame: SenderFrameLike | null, sender: { id: number } = windowContents): IpcInvokeEventLike => ({ senderFrame, sender });

function handlers(): IpcHandlers {
  return {
    'flowscope:get-backend-info': () => ({ url: origin, embedded: true, version: '1.0.0', dataDir: '/data' }),
    'flowscope:get-app-version': () => '1.0.0',
    'flowscope:open-data-dir': () => undefined,
  };
}

describe('createIpcGuard', () => {
  const guard = createIpcGuard(`${origin}/`, () => windowContents);

  it('trusts the top frame of the window on the backend origin', () => {
    expect(guard.isTrustedSender(event(top))).toBe(true);
    expect(guard.isTrustedSender(event(frame(`${origin}/index.html#x`)))).toBe(true);
  });

  it('refuses a subframe, even one on the backend origin', () => {
    expect(guard.isTrustedSender(event(frame(`${origin}/health`, top)))).toBe(false);
    expect(guard.refusal(event(frame(`${origin}/health`, top)))).toMatch(/subframe/);
  });

  it('refuses another webContents, even on the backend origin', () => {
    expect(guard.isTrustedSender(event(top, { id: 8 }))).toBe(false);
    expect(guard.refusal(event(top, { id: 8 }))).toMatch(/not the Flowscope window/);
  });

  it('refuses every call before the window exists', () => {
    const early = createIpcGuard(origin, () => null);
    expect(early.isTrustedSender(event(top))).toBe(false);
  });

  it('refuses gone frames and other origins', () => {
    expect(guard.isTrustedSender(event(null))).toBe(false);
    for (const url of ['', 'http://127.0.0.1:1/', 'https://evil.example/', 'file:///index.html', 'about:blank', `http://localhost:43210/`]) {
      expect(guard.isTrustedSender(event(frame(url))), url).toBe(false);
    }
  });

  it('rejects a trusted origin that is not a URL', () => {
    expect(() => createIpcGuard('not a url', () => windowContents)).toThrow(/has no origin/);
  });
});

describe('registerIpcHandlers', () => {
  it('registers exactly one handler per channel and nothing else', () => {
    const ipcMain = new FakeIpcMain();
    const handle = vi.spyOn(ipcMain, 'handle');
    registerIpcHandlers(
      ipcMain,
      handlers(),
      createIpcGuard(origin, () => windowContents),
    );
    expect(handle).toHaveBeenCalledTimes(IPC_CHANNELS.length);
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...IPC_CHANNELS].sort());
  });

  it('answers the window main frame', async () => {
    const ipcMain = new FakeIpcMain();
    registerIpcHandlers(
      ipcMain,
      handlers(),
      createIpcGuard(origin, () => windowContents),
    );
    expect(await ipcMain.invoke('flowscope:get-app-version', event(top))).toBe('1.0.0');
    expect(await ipcMain.invoke('flowscope:get-backend-info', event(top))).toMatchObject({ url: origin, embedded: true });
  });

  it('throws FORBIDDEN for a subframe, another origin or a gone frame, without calling the handler', async () => {
    const ipcMain = new FakeIpcMain();
    const spy = vi.fn(() => '1.0.0');
    registerIpcHandlers(
      ipcMain,
      { ...handlers(), 'flowscope:get-app-version': spy },
      createIpcGuard(origin, () => windowContents),
    );
    const refused = [event(frame(`${origin}/health`, top)), event(frame('https://evil.example/')), event(null), event(top, { id: 99 })];
    for (const e of refused) {
      const call = ipcMain.invoke('flowscope:get-app-version', e);
      await expect(call).rejects.toBeInstanceOf(IpcForbiddenError);
      await expect(call).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/^FORBIDDEN: flowscope:get-app-version refused: /) });
    }
    expect(spy).not.toHaveBeenCalled();
  });
});
