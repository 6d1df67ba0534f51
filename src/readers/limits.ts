/**
 * What one reader holds at once: the largest answer it reads (beyond, the read fails as too large)
 * and how many of its answers can be in flight. deploy/kubernetes/bounds.ts sizes memory from these.
 */
export const ANSWER_LIMITS = {
  /** Batches one after another; a page of lines is small, a label set can be large. */
  loki: { maxBytes: 4 << 20, inFlight: 1 },
  /** A trace by id, looked up a few at once: one trace can be large. */
  traceById: { maxBytes: 8 << 20, inFlight: 4 },
  tempoSearch: { maxBytes: 1 << 20, inFlight: 1 },
  /** One instant query's single value. */
  prometheus: { maxBytes: 1 << 20, inFlight: 1 },
} as const;
