import { describe, expect, it, vi } from 'vitest';
import type { PreventableEventLike } from './electron-types.ts';
import { installQuitHandler } from './quit-handler.ts';

function fakeApp() {
  let listener: ((event: PreventableEventLike) => void) | undefined;
  const app = {
    on: vi.fn((_event: string, l: (event: PreventableEventLike) => void) => {
      listener = l;
    }),
    quit: vi.fn(),
  };
  return {
    app,
    fire: () => {
      const e = { preventDefault: vi.fn() };
      listener?.(e);
      return e;
    },
  };
}

describe('installQuitHandler', () => {
  it('defers the first quit until the backend closed, closes once, then lets quit through', async () => {
    const { app, fire } = fakeApp();
    let resolveClose!: () => void;
    const close = vi.fn(
      () =>
        new Promise<void>((r) => {
          resolveClose = r;
        }),
    );
    installQuitHandler(app as never, () => close);

    expect(fire().preventDefault).toHaveBeenCalled();
    expect(fire().preventDefault).toHaveBeenCalled();
    expect(close).toHaveBeenCalledOnce();
    expect(app.quit).not.toHaveBeenCalled();

    resolveClose();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledOnce());
    expect(fire().preventDefault).not.toHaveBeenCalled();
    expect(close).toHaveBeenCalledOnce();
  });

  it('still quits when close fails or there is no backend', async () => {
    const { app, fire } = fakeApp();
    const onError = vi.fn();
    installQuitHandler(app as never, () => () => Promise.reject(new Error('boom')), onError);
    fire();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledOnce());
    expect(onError).toHaveBeenCalledOnce();

    const other = fakeApp();
    installQuitHandler(other.app as never, () => null);
    other.fire();
    await vi.waitFor(() => expect(other.app.quit).toHaveBeenCalledOnce());
  });
});
