/**
 * Ctrl-C and SIGTERM for the long-running commands: the first stops the work (the command
 * still reports what ran), a second exits at once with 130.
 */
export interface InterruptHandler {
  /** The signal that stopped the work, once one has. */
  readonly interrupted: string | undefined;
  dispose(): void;
}

export function installInterruptHandler(enabled: boolean | undefined, onInterrupt: (signal: string) => void): InterruptHandler {
  let interrupted: string | undefined;
  const on = (signal: string) => {
    if (interrupted) process.exit(130);
    interrupted = signal;
    onInterrupt(signal);
  };
  const onInt = () => on('SIGINT');
  const onTerm = () => on('SIGTERM');
  if (enabled) {
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  }
  return {
    get interrupted() {
      return interrupted;
    },
    dispose() {
      if (enabled) {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    },
  };
}
