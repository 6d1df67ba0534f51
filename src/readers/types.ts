import type { SmokeRun } from '../smoke/types';
import type { Backend, VerifyReason } from '../vocabulary';

/** The runs waiting at one reader, by trace id (log lines, acknowledgements and trace stores all carry it). */
export interface Waiting {
  readonly size: number;
  get(traceId: string): SmokeRun | undefined;
  /** Oldest first. */
  runs(): IterableIterator<SmokeRun>;
}

/** A reader's answer for one run: found at a time, or a failure that waiting will not cure. */
export type Hit = { readonly atMs: number } | { readonly reason: VerifyReason; readonly detail?: string };

/** A read that failed as a whole (the backend is down, refused, answered garbage): runs keep waiting. */
export class ReadError extends Error {
  override readonly name = 'ReadError';
  constructor(
    readonly reason: VerifyReason,
    message: string,
  ) {
    super(message);
  }
}

export type Report = (run: SmokeRun, hit: Hit) => void;

/**
 * Reads one signal back from one place, either by polling (one read serves every waiting run: the
 * file tail reads what was appended, the counter is read once) or by being told (acknowledgements
 * arrive a batch at a time and are matched as they come).
 */
export interface Reader {
  readonly backend: Backend;
  /** Why a run is missing when this reader never found it by its deadline. */
  readonly missingReason: VerifyReason;
  /** Polled: calls `report` for each run it can decide; throws a ReadError when the read itself fails. */
  read?(waiting: Waiting, report: Report, signal: AbortSignal): Promise<void>;
  /** Pushed: given the runs waiting at it once, it reports as its data arrives. */
  attach?(waiting: Waiting, report: Report): void;
  /** A failure that holds for every run right now (the log file cannot be written). */
  standingFailure?(): { readonly reason: VerifyReason; readonly detail?: string } | undefined;
  close?(): Promise<void>;
}
