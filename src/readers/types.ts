import type { Config } from '../config/schema';
import type { Clock, SmokeRun } from '../smoke/types';
import type { Backend, Signal, VerifyReason } from '../vocabulary';

/** The runs a reader is asked about, by trace id (log lines, acknowledgements and trace stores all carry it). */
export interface Waiting {
  /** The runs that have reached this reader. */
  readonly size: number;
  /** Any run this reader has not found yet, whether it has reached it or not: what a stream matches. */
  get(traceId: string): SmokeRun | undefined;
  /** The runs that have reached this reader, oldest first: what a query looks up. */
  runs(): IterableIterator<SmokeRun>;
}

/** Why a reader failed a run, or a whole read: a reason from the fixed set, and bounded detail. */
export interface Failure {
  readonly reason: VerifyReason;
  readonly detail?: string;
}

/** How a reader answers for one run: found (no failure; timed on arrival), or a failure that waiting will not cure. */
export type Answer = (run: SmokeRun, failure?: Failure) => void;

/** A read that failed as a whole (the backend is down, refused, answered garbage): runs keep waiting. */
export class ReadError extends Error implements Failure {
  override readonly name: string = 'ReadError';
  constructor(
    readonly reason: VerifyReason,
    message: string,
  ) {
    super(message);
  }
  get detail(): string {
    return this.message;
  }
}

interface ReaderBase {
  readonly backend: Backend;
  /** What this reader asks, and where (no secret): named in a missing verdict's detail, the start-up
   * line, and the state file, so a run is only ever judged by the query that started judging it. */
  readonly asked: string;
  /** Why a run is missing when this reader never found it by its deadline. */
  readonly missingReason: VerifyReason;
  /** What else a missing verdict should say, right now (a scrape refused, say). */
  explain?(): string | undefined;
  close?(): Promise<void>;
}

/** A store or a counter: asked every poll about the runs that have reached it; one read serves them all. */
export interface PolledReader extends ReaderBase {
  readonly kind: 'polled';
  /** Calls `answer` for each run it can decide; throws a ReadError when the read itself fails. */
  read(waiting: Waiting, answer: Answer, signal: AbortSignal): Promise<void>;
  /** Asks again, hours later, whether the store still holds a run it found at `verifiedAtMs` (wall
   * time; spot checks: data lost after ingestion). */
  recheck?(run: SmokeRun, verifiedAtMs: number, signal: AbortSignal): Promise<boolean>;
}

/** A stream (a file tail): what it reads once is gone, so every poll matches it against every run
 * not yet past it, even one still waiting at an earlier reader. */
export interface StreamReader extends ReaderBase {
  readonly kind: 'stream';
  read(waiting: Waiting, answer: Answer, signal: AbortSignal): Promise<void>;
  /** A failure that holds for every run right now (the log file cannot be written). */
  standingFailure(): Failure | undefined;
}

/** Told as its data arrives (an exporter's acknowledgements): given the runs waiting at it once. */
export interface PushedReader extends ReaderBase {
  readonly kind: 'pushed';
  attach(waiting: Waiting, answer: Answer): void;
}

/** Reads one signal back from one place. */
export type Reader = PolledReader | StreamReader | PushedReader;

/** What a store's readers are made with, besides its config block. */
export interface StoreContext {
  readonly pipeline: string;
  readonly processId: string;
  readonly now: Clock;
  /** How the scrapes of /metrics went: a store never holds samples its scraper was refused. */
  readonly scrapes: Refusals;
  /** How the pushes of the run counter over OTLP went (nothing refused or lost when the push is off). */
  readonly pushes: Pushes;
}

/** Deliveries of the counter that failed (a scrape refused, a push the store refused), as a metric miss explains itself. */
export interface Refusals {
  refused(): { readonly count: number; readonly lastAtMs: number; readonly status?: number } | undefined;
}

/** The pushes of the run counter: a delta push that failed lost its runs' increments for good. */
export interface Pushes extends Refusals {
  lost(seq: number): boolean;
  /** The runs up to `seq` lost so: the store's total falls short of `seq` by this. */
  lostThrough(seq: number): number;
}

/**
 * A store a signal is read back from, registered once in readBack.ts: from a pipeline's `verify`
 * settings, the readers to add to the signal's chain (none when the store is not configured).
 */
export interface Store {
  readonly signal: Signal;
  readers(verify: Config['verify'], ctx: StoreContext): readonly Reader[];
}
