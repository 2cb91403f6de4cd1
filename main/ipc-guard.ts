/**
 * Sender checks and handler registration for the IPC channels. Pure: ipcMain is injected.
 * A call is answered only when it comes from the top frame (not a subframe) of the Flowscope
 * window's webContents, showing a page of the backend's origin.
 */
import { IPC_CHANNELS, type IpcChannelMap } from '../protocol/index.ts';
import type { IpcInvokeEventLike, IpcMainLike } from './electron-types.ts';
import { originOf } from './window-options.ts';

export interface IpcGuard {
  /** Why the call is refused, or null when its sender is trusted. */
  refusal(event: IpcInvokeEventLike): string | null;
  isTrustedSender(event: IpcInvokeEventLike): boolean;
}

/** Thrown (and so rejected in the renderer) for a call from anywhere else. */
export class IpcForbiddenError extends Error {
  readonly code = 'FORBIDDEN';
  constructor(channel: string, reason: string) {
    super(`FORBIDDEN: ${channel} refused: ${reason}`);
    this.name = 'IpcForbiddenError';
  }
}

/**
 * `trustedOrigin`: the backend's URL. `trustedContents`: the window's webContents (null until
 * it exists: then every call is refused).
 */
export function createIpcGuard(trustedOrigin: string, trustedContents: () => { readonly id: number } | null): IpcGuard {
  const trusted = originOf(trustedOrigin);
  if (trusted === null) throw new Error(`createIpcGuard: ${JSON.stringify(trustedOrigin)} has no origin`);
  const refusal = (event: IpcInvokeEventLike): string | null => {
    const frame = event.senderFrame;
    if (!frame) return 'the sending frame is gone';
    if (frame.parent !== null) return 'the sender is a subframe, not the main frame';
    const contents = trustedContents();
    if (!contents || event.sender?.id !== contents.id) return 'the sender is not the Flowscope window';
    const origin = typeof frame.url === 'string' ? originOf(frame.url) : null;
    if (origin !== trusted) return `the sender's origin ${origin ?? '(none)'} is not ${trusted}`;
    return null;
  };
  return { refusal, isTrustedSender: (event) => refusal(event) === null };
}

export type IpcHandlers = {
  [C in keyof IpcChannelMap]: (...args: IpcChannelMap[C]['args']) => IpcChannelMap[C]['result'] | Promise<IpcChannelMap[C]['result']>;
};

/** Registers exactly one `handle` per channel; calls from untrusted senders throw IpcForbiddenError. */
export function registerIpcHandlers(ipcMain: IpcMainLike, handlers: IpcHandlers, guard: IpcGuard): void {
  for (const channel of IPC_CHANNELS) {
    const handler = handlers[channel] as () => unknown;
    ipcMain.handle(channel, (event) => {
      const reason = guard.refusal(event);
      if (reason !== null) throw new IpcForbiddenError(channel, reason);
      return handler();
    });
  }
}
