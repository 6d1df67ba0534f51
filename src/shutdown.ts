import type { EventEmitter } from 'node:events';

export interface ShutdownOptions {
  /** The process (or a stand-in in tests): emits 'SIGTERM' / 'SIGINT'. */
  readonly signals: EventEmitter;
  readonly stop: (reason: string) => Promise<void>;
  readonly gracePeriodMs: number;
  readonly exit: (code: number) => void;
  readonly warn: (line: string) => void;
}

export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * First signal: drain, then exit 0. A second signal, a failed drain or the grace period
 * running out: exit 1 at once.
 */
export function installShutdown(options: ShutdownOptions): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      options.warn(`petsage-smoke: second ${signal} during shutdown; exiting without draining`);
      return options.exit(1);
    }
    stopping = true;
    const timer = setTimeout(() => {
      options.warn(`petsage-smoke: shutdown did not finish within ${options.gracePeriodMs} ms; exiting`);
      options.exit(1);
    }, options.gracePeriodMs);
    timer.unref();
    options.stop(signal).then(
      () => {
        clearTimeout(timer);
        options.exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        options.warn(`petsage-smoke: shutdown failed: ${(err as Error).message}`);
        options.exit(1);
      },
    );
  };
  for (const signal of SHUTDOWN_SIGNALS) options.signals.on(signal, onSignal);
}
