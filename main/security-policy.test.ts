import { describe, expect, it, vi } from 'vitest';
import type { PermissionRequestHandler, PreventableEventLike, SessionLike, WebContentsLike } from './electron-types.ts';
import { applySecurityPolicy } from './security-policy.ts';

const backendUrl = 'http://127.0.0.1:43210';

function fakes() {
  let openHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | undefined;
  let navigate: ((event: PreventableEventLike, url: string) => void) | undefined;
  let permission: PermissionRequestHandler | null | undefined;
  const webContents: WebContentsLike = {
    setWindowOpenHandler: (h) => {
      openHandler = h;
    },
    on: (_event, listener) => {
      navigate = listener;
    },
  };
  const session: SessionLike = {
    setPermissionRequestHandler: (h) => {
      permission = h;
    },
  };
  applySecurityPolicy(webContents, session, backendUrl);
  return { openHandler: () => openHandler, navigate: () => navigate, permission: () => permission };
}

describe('applySecurityPolicy', () => {
  it('denies every window.open', () => {
    const f = fakes();
    expect(f.openHandler()?.({ url: `${backendUrl}/x` })).toEqual({ action: 'deny' });
    expect(f.openHandler()?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('prevents navigation away from the backend origin only', () => {
    const f = fakes();
    const away = { preventDefault: vi.fn() };
    f.navigate()?.(away, 'https://evil.example/');
    expect(away.preventDefault).toHaveBeenCalledOnce();
    const same = { preventDefault: vi.fn() };
    f.navigate()?.(same, `${backendUrl}/other`);
    expect(same.preventDefault).not.toHaveBeenCalled();
  });

  it('denies every permission request', () => {
    const f = fakes();
    const callback = vi.fn();
    f.permission()?.({}, 'media', callback);
    f.permission()?.({}, 'notifications', callback);
    expect(callback.mock.calls).toEqual([[false], [false]]);
  });
});
