/**
 * @module Stopping a long-running command (watch, listen, simulate) cleanly: the first SIGINT or
 * SIGTERM aborts the returned signal, so the command can close its stream and exit 0; a second one
 * exits at once.
 */

export interface StopSignal {
  readonly signal: AbortSignal;
  /** Stops listening for the process signals. */
  dispose(): void;
}

export function stopOnSignals(): StopSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
