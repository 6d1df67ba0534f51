import { VERIFICATION_EVENT } from '../smoke/constants';
import { createLogTail } from './logTail';
import { createWaiters } from './waiters';
import { errored, missing, verified, type Clock, type SignalVerifier } from './types';

const EVENT_MARK = `"event":"${VERIFICATION_EVENT}"`;
const RUN_ID_MARK = '"run_id":"';

/** The run id of a verification line, found without parsing every line of a busy log. */
export function verificationRunId(line: string): string | undefined {
  if (!line.includes(EVENT_MARK)) return undefined;
  const start = line.indexOf(RUN_ID_MARK);
  if (start < 0) return undefined;
  const end = line.indexOf('"', start + RUN_ID_MARK.length);
  return end < 0 ? undefined : line.slice(start + RUN_ID_MARK.length, end);
}

/** Log signal: the run's line is read back, by run id, from the file it was written to. */
export function createLogVerifier(o: { file: string; pollMs: number; writeFailed: () => boolean; now: Clock }): SignalVerifier {
  const tail = createLogTail(o.file, { fromEnd: true });
  const seenAt = createWaiters<number>({ remember: 10_000, now: o.now });
  let reading = false;

  async function poll(): Promise<void> {
    if (reading) return;
    reading = true;
    try {
      for (const line of await tail.read()) {
        const runId = verificationRunId(line);
        if (runId) seenAt.resolve(runId, o.now());
      }
    } catch {
      // An unreadable file shows up as not_found at the deadline.
    } finally {
      reading = false;
    }
  }
  // Positions the tail at the end now, so lines written from here on are all read.
  const ready = poll();
  const timer = setInterval(() => {
    if (seenAt.pending > 0) void poll();
  }, o.pollMs);
  timer.unref();

  return {
    ready,
    verify(run, deadlineMs, done) {
      if (o.writeFailed()) return done(errored('write_failed'));
      seenAt.wait(run.id, deadlineMs, (at) => {
        if (at !== undefined) done(verified(Math.max(0, at - run.startedAt.getTime()) / 1000));
        else done(o.writeFailed() ? errored('write_failed') : missing('not_found'));
      });
    },
    stop() {
      clearInterval(timer);
      seenAt.stop();
      void tail.close();
    },
  };
}
