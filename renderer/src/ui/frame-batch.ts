/**
 * Coalesces bursts of updates into one flush per animation frame (as the live event log does for
 * received envelopes): `request()` any number of times, `flush` runs once on the next frame.
 */
export interface FrameBatch {
  /** Schedules the flush on the next frame, unless one is scheduled already. */
  request(): void;
  /** Runs a scheduled flush now (nothing when none is scheduled). */
  flushNow(): void;
  /** Drops a scheduled flush. */
  cancel(): void;
}

export interface FrameScheduler {
  request(callback: () => void): number;
  cancel(handle: number): void;
}

const animationFrames: FrameScheduler = {
  request: (callback) => requestAnimationFrame(callback),
  cancel: (handle) => cancelAnimationFrame(handle),
};

export function createFrameBatch(flush: () => void, scheduler: FrameScheduler = animationFrames): FrameBatch {
  let handle: number | null = null;
  const run = () => {
    handle = null;
    flush();
  };
  return {
    request() {
      if (handle === null) handle = scheduler.request(run);
    },
    flushNow() {
      if (handle === null) return;
      scheduler.cancel(handle);
      run();
    },
    cancel() {
      if (handle !== null) scheduler.cancel(handle);
      handle = null;
    },
  };
}
