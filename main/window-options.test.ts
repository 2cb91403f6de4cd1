import { describe, expect, it } from 'vitest';
import { createWindowOptions, isAllowedNavigation } from './window-options.ts';

describe('createWindowOptions', () => {
  it('hardens webPreferences and sets the preload', () => {
    const options = createWindowOptions('/app/preload.js');
    expect(options.webPreferences).toEqual({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      preload: '/app/preload.js',
    });
  });
});

describe('isAllowedNavigation', () => {
  const backend = 'http://127.0.0.1:43210';
  it('allows same-origin URLs', () => {
    expect(isAllowedNavigation('http://127.0.0.1:43210/', backend)).toBe(true);
    expect(isAllowedNavigation('http://127.0.0.1:43210/some/page?x=1#y', backend)).toBe(true);
  });
  it('rejects other origins, schemes and garbage', () => {
    expect(isAllowedNavigation('http://127.0.0.1:43211/', backend)).toBe(false);
    expect(isAllowedNavigation('http://localhost:43210/', backend)).toBe(false);
    expect(isAllowedNavigation('https://127.0.0.1:43210/', backend)).toBe(false);
    expect(isAllowedNavigation('https://evil.example/', backend)).toBe(false);
    expect(isAllowedNavigation('file:///etc/passwd', backend)).toBe(false);
    expect(isAllowedNavigation('javascript:alert(1)', backend)).toBe(false);
    expect(isAllowedNavigation('not a url', backend)).toBe(false);
    expect(isAllowedNavigation('http://127.0.0.1:43210@evil.example/', backend)).toBe(false);
  });
});
