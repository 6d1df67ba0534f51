import type winston from 'winston';
import type { Clock } from './smoke/types';
import { readState, writeState, type State } from './stateFile';
import type { Judge } from './verify/judge';
import type { SpotChecks } from './verify/spotChecks';
import { EVENT } from './vocabulary';

export interface StateKeeper {
  /** Writes the state now (the drain calls this last, after the final read-back). */
  write(): Promise<void>;
  stop(): void;
}

/**
 * Keeps the state file: what was pending and kept for spot checks, written every `writeIntervalMs`
 * and once more at shutdown, so a kill -9 loses at most what came after the last write.
 */
export function keepState(o: {
  path: string;
  writeIntervalMs: number;
  maxRuns: number;
  judge: Judge;
  spotChecks: SpotChecks;
  logTailPosition: () => State['logTail'];
  logger: winston.Logger;
  now: Clock;
}): StateKeeper {
  let writing: Promise<void> = Promise.resolve();
  const write = () => {
    writing = writing.then(async () => {
      const logTail = o.logTailPosition();
      const state: State = {
        pending: o.judge.snapshot(o.maxRuns),
        spotChecks: o.spotChecks.kept,
        ...(logTail ? { logTail } : {}),
      };
      try {
        await writeState(o.path, state, o.now());
      } catch (err) {
        // Not fatal: the runs are still verified in this process; only a restart would forget them.
        o.logger.warn('state file not written', {
          event: EVENT.stateWritten,
          ok: false,
          error: (err as NodeJS.ErrnoException).code ?? 'Error',
        });
      }
    });
    return writing;
  };
  const timer = o.writeIntervalMs > 0 ? setInterval(() => void write(), o.writeIntervalMs) : undefined;
  timer?.unref();
  return { write, stop: () => clearInterval(timer) };
}

/** The state an earlier process left, if any; a file that cannot be read back is set aside with a warning. */
export function restoreState(
  path: string,
  now: Clock,
  logger: winston.Logger,
  warn: (line: string) => void,
): State | undefined {
  const { state, setAside } = readState(path, now());
  if (setAside) {
    warn(
      `petsage-smoke: warning: state file ${path} could not be read back (${setAside.why}); set aside as ${setAside.to}, starting clean`,
    );
    logger.warn('state file unreadable; starting clean', {
      event: EVENT.stateUnreadable,
      why: setAside.why,
      set_aside_as: setAside.to,
    });
  }
  return state;
}
