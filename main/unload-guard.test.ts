import { describe, expect, it } from 'vitest';
import type { PreventableEventLike } from './electron-types.ts';
import { installUnloadGuard } from './unload-guard.ts';

function fakeContents() {
  let listener: ((event: PreventableEventLike) => void) | undefined;
  return {
    on: (event: string, l: (event: PreventableEventLike) => void) => {
      expect(event).toBe('will-prevent-unload');
      listener = l;
    },
    fire() {
      let prevented = false;
      listener?.({ preventDefault: () => void (prevented = true) });
      return prevented;
    },
  };
}

describe('unload guard', () => {
  it('leaving unloads the page anyway; staying keeps it', () => {
    const leave = fakeContents();
    installUnloadGuard(leave, () => true);
    expect(leave.fire()).toBe(true);
    const stay = fakeContents();
    installUnloadGuard(stay, () => false);
    expect(stay.fire()).toBe(false);
  });
});
