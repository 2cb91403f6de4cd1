/** Sender checks and handler registration for the IPC channels. Pure: ipcMain is injected. */
import { IPC_CHANNELS, type IpcChannelMap } from '../protocol/index.ts';
import type { IpcMainLike, SenderFrameLike } from './electron-types.ts';

export interface IpcGuard {
  isTrustedSender(frame: SenderFrameLike | null): boolean;
}

export function createIpcGuard(trustedOrigin: string): IpcGuard {
  const trusted = new URL(trustedOrigin).origin;
  return {
    isTrustedSender(frame) {
      if (!frame || typeof frame.url !== 'string') return false;
      try {
        return new URL(frame.url).origin === trusted;
      } catch {
        return false;
      }
    },
  };
}

export type IpcHandlers = {
  [C in keyof IpcChannelMap]: (...args: IpcChannelMap[C]['args']) => IpcChannelMap[C]['result'] | Promise<IpcChannelMap[C]['result']>;
};

/** Registers exactly one `handle` per channel; calls from untrusted senders throw. */
export function registerIpcHandlers(ipcMain: IpcMainLike, handlers: IpcHandlers, guard: IpcGuard): void {
  for (const channel of IPC_CHANNELS) {
    const handler = handlers[channel] as () => unknown;
    ipcMain.handle(channel, (event) => {
      if (!guard.isTrustedSender(event.senderFrame)) throw new Error('FORBIDDEN sender');
      return handler();
    });
  }
}
