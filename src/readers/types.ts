import type { SmokeRun } from '../smoke/types';
import type { Backend, VerifyReason } from '../vocabulary';

/** The runs a reader is asked about, by trace id (log lines, acknowledgements and trace stores all carry it). */
export interface Waiting {
  /** The runs that have reached this reader. */
  readonly size: number;
  /** Any run this reader has not found yet, whether it has reached it or not: what a stream matches. */
  get(traceId: string): SmokeRun | undefined;
  /** The runs that have reached this reader, oldest first: what a query looks up. */
  runs(): IterableIterator<SmokeRun>;
}

/** A reader's answer for one run: found at a time, or a failure that waiting will not cure. */
export type Hit = { readonly atMs: number } | { readonly reason: VerifyReason; readonly detail?: string };

/** A read that failed as a whole (the backend is down, refused, answered garbage): runs keep waiting. */
export class ReadError extends Error {
  override readonly name: string = 'ReadError';
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
  /** Reads a stream (a file tail): what it reads once is gone, so it is read for every run not yet
   * past it, even one still waiting at an earlier reader. */
  readonly stream?: boolean;
  /** Polled: calls `report` for each run it can decide; throws a ReadError when the read itself fails. */
  read?(waiting: Waiting, report: Report, signal: AbortSignal): Promise<void>;
  /** Pushed: given the runs waiting at it once, it reports as its data arrives. */
  attach?(waiting: Waiting, report: Report): void;
  /** Asks again, hours later, whether the store still holds a run it found at `verifiedAtMs`
   * (spot checks: data lost after ingestion). Only stores can: a stream or an exporter cannot. */
  recheck?(run: SmokeRun, verifiedAtMs: number, signal: AbortSignal): Promise<boolean>;
  /** A failure that holds for every run right now (the log file cannot be written). */
  standingFailure?(): { readonly reason: VerifyReason; readonly detail?: string } | undefined;
  close?(): Promise<void>;
}
