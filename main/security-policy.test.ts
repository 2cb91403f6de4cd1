import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type {
  AppLike,
  NavigationEventLike,
  NavigationEventName,
  PermissionCheckHandler,
  PermissionRequestHandler,
  PreventableEventLike,
  SessionLike,
  WebContentsLike,
} from './electron-types.ts';
import { denyPermissions, guardWebContents, installWebContentsGuard, type TrustedUrl } from './security-policy.ts';

const backendUrl = 'http://127.0.0.1:43210';

/** An event as Electron passes it: preventDefault() sets defaultPrevented. */
class FakeEvent implements PreventableEventLike {
  defaultPrevented = false;
  preventDefault(): void {
    this.defaultPrevented = true;
  }
}

class FakeNavigationEvent extends FakeEvent implements NavigationEventLike {
  constructor(
    readonly url: string,
    readonly isMainFrame = true,
  ) {
    super();
  }
}

class FakeSession implements SessionLike {
  request: PermissionRequestHandler | null = null;
  check: PermissionCheckHandler | null = null;
  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.request = handler;
  }
  setPermissionCheckHandler(handler: PermissionCheckHandler | null): void {
    this.check = handler;
  }
}

let nextId = 1;

/** A webContents: a real EventEmitter plus the window-open handler slot and its session. */
class FakeWebContents extends EventEmitter implements WebContentsLike {
  readonly id = nextId++;
  readonly session = new FakeSession();
  openHandler: ((details: { url: string }) => { action: 'deny' } | { action: 'allow' }) | null = null;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void {
    this.openHandler = handler;
  }
  /** What Electron would do: emit the event; the navigation happens unless prevented. */
  navigate(name: NavigationEventName, url: string, isMainFrame = true): boolean {
    const event = new FakeNavigationEvent(url, isMainFrame);
    this.emit(name, event);
    return !event.defaultPrevented;
  }
  attachWebview(): boolean {
    const event = new FakeEvent();
    this.emit('will-attach-webview', event, { nodeIntegration: false }, { src: 'https://evil.example/' });
    return !event.defaultPrevented;
  }
  windowOpen(url: string): { action: string } | 'no handler' {
    return this.openHandler ? this.openHandler({ url }) : 'no handler';
  }
}

/** The app: a real EventEmitter; createWebContents() emits web-contents-created as Electron does. */
class FakeApp extends EventEmitter implements Pick<AppLike, 'on'> {
  createWebContents(): FakeWebContents {
    const contents = new FakeWebContents();
    this.emit('web-contents-created', new FakeEvent(), contents);
    return contents;
  }
}

describe('guardWebContents', () => {
  const fixed: TrustedUrl = () => backendUrl;

  it('denies every window.open, same origin included', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents, fixed);
    expect(contents.windowOpen(`${backendUrl}/x`)).toEqual({ action: 'deny' });
    expect(contents.windowOpen('https://evil.example/')).toEqual({ action: 'deny' });
  });

  // listed here, not taken from NAVIGATION_EVENTS: dropping one there must fail this
  for (const name of ['will-navigate', 'will-redirect', 'will-frame-navigate'] as const) {
    it(`${name}: lets the backend's origin through and prevents any other`, () => {
      const contents = new FakeWebContents();
      guardWebContents(contents, fixed);
      expect(contents.navigate(name, `${backendUrl}/other?x=1`)).toBe(true);
      expect(contents.navigate(name, 'https://evil.example/')).toBe(false);
      expect(contents.navigate(name, 'http://127.0.0.1:43211/')).toBe(false);
      expect(contents.navigate(name, 'file:///etc/passwd')).toBe(false);
      expect(contents.navigate(name, 'javascript:alert(1)')).toBe(false);
      expect(contents.navigate(name, 'about:blank')).toBe(false);
    });
  }

  it('applies the rule to subframe navigations too (will-frame-navigate)', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents, fixed);
    expect(contents.navigate('will-frame-navigate', 'https://evil.example/frame', false)).toBe(false);
    expect(contents.navigate('will-frame-navigate', `${backendUrl}/health`, false)).toBe(true);
  });

  it('prevents a navigation event that carries no URL', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents, fixed);
    const event = new FakeEvent();
    contents.emit('will-navigate', event);
    expect(event.defaultPrevented).toBe(true);
  });

  it('allows no navigation at all before the backend URL is known', () => {
    let url: string | null = null;
    const contents = new FakeWebContents();
    guardWebContents(contents, () => url);
    expect(contents.navigate('will-navigate', `${backendUrl}/`)).toBe(false);
    url = backendUrl;
    expect(contents.navigate('will-navigate', `${backendUrl}/`)).toBe(true);
  });

  it('refuses to attach a <webview>', () => {
    const contents = new FakeWebContents();
    guardWebContents(contents, fixed);
    expect(contents.attachWebview()).toBe(false);
  });
});

describe('installWebContentsGuard', () => {
  it('guards every webContents created after it, not only the first', () => {
    const app = new FakeApp();
    installWebContentsGuard(app, () => backendUrl);
    const first = app.createWebContents();
    const later = app.createWebContents();
    for (const contents of [first, later]) {
      expect(contents.windowOpen('https://evil.example/')).toEqual({ action: 'deny' });
      expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(false);
      expect(contents.navigate('will-redirect', 'https://evil.example/')).toBe(false);
      expect(contents.navigate('will-frame-navigate', 'https://evil.example/', false)).toBe(false);
      expect(contents.attachWebview()).toBe(false);
      expect(contents.navigate('will-navigate', `${backendUrl}/`)).toBe(true);
      // and its session, whichever it is, grants nothing
      expect(contents.session.check?.({}, 'media', backendUrl, {})).toBe(false);
      const answers: boolean[] = [];
      contents.session.request?.({}, 'notifications', (granted) => answers.push(granted), {});
      expect(answers).toEqual([false]);
    }
  });

  it('leaves a webContents unguarded when it is not installed (the check above is not vacuous)', () => {
    const app = new FakeApp();
    const contents = app.createWebContents();
    expect(contents.windowOpen('https://evil.example/')).toBe('no handler');
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.attachWebview()).toBe(true);
    expect(contents.session.check).toBeNull();
  });
});

describe('denyPermissions', () => {
  it('answers every permission request with false', () => {
    const session = new FakeSession();
    denyPermissions(session);
    const answers: boolean[] = [];
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal']) {
      session.request?.({}, permission, (granted) => answers.push(granted), {});
    }
    expect(answers).toEqual([false, false, false, false, false]);
  });

  it('answers every permission check with false', () => {
    const session = new FakeSession();
    denyPermissions(session);
    expect(session.check).not.toBeNull();
    for (const permission of ['media', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'fullscreen']) {
      expect(session.check?.({}, permission, backendUrl, {})).toBe(false);
    }
  });
});
