/**
 * Compile-time only: the local Electron types (electron-types.ts) are structurally
 * compatible with Electron's own, so that the objects electron-main.ts and preload.ts take
 * from `require('electron')` are what the pure modules expect. Checked by `tsc -b` where the
 * optional `electron` package is installed (every `npm ci` that can download it: GitHub's CI);
 * where it is absent the import type is `any` and this file checks nothing. No runtime code.
 */
import type {
  AppLike,
  BrowserWindowOptionsLike,
  ElectronMainModule,
  ElectronPreloadModule,
  IpcInvokeEventLike,
  NavigationEventLike,
  SenderFrameLike,
  SessionLike,
  WebContentsLike,
} from './electron-types.ts';

// eslint-disable-next-line @typescript-eslint/ban-ts-comment -- electron is optional: `any` where it is not installed (as Playwright's own types do)
// @ts-ignore
import type * as ElectronModule from 'electron';

type Electron = typeof ElectronModule;
type FrameNavigateEvent = ElectronModule.Event<ElectronModule.WebContentsWillFrameNavigateEventParams>;
type RedirectEvent = ElectronModule.Event<ElectronModule.WebContentsWillRedirectEventParams>;

type Assignable<From, To> = [From] extends [To] ? true : false;
type Check<T extends true> = T;

export type ElectronTypesCompatible = [
  Check<Assignable<Electron, ElectronMainModule>>,
  Check<Assignable<Pick<Electron, 'contextBridge' | 'ipcRenderer'>, ElectronPreloadModule>>,
  Check<Assignable<Electron['app'], AppLike>>,
  Check<Assignable<InstanceType<Electron['BrowserWindow']>['webContents'], WebContentsLike>>,
  Check<Assignable<Electron['session']['defaultSession'], SessionLike>>,
  Check<Assignable<Parameters<Parameters<Electron['ipcMain']['handle']>[1]>[0], IpcInvokeEventLike>>,
  Check<Assignable<NonNullable<ReturnType<Electron['webFrameMain']['fromId']>>, SenderFrameLike>>,
  Check<Assignable<FrameNavigateEvent, NavigationEventLike>>,
  Check<Assignable<RedirectEvent, NavigationEventLike>>,
  Check<Assignable<BrowserWindowOptionsLike, NonNullable<ConstructorParameters<Electron['BrowserWindow']>[0]>>>,
];
