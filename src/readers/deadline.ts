/**
 * A signal that aborts after `ms`, or when `outer` does, whichever is first; `clear()` once done. A
 * timer of our own, not AbortSignal.any over AbortSignal.timeout: Node can collect the timeout signal
 * held only weakly inside `any` before it fires (nodejs/node#57736), and the deadline goes with it.
 */
export function deadlineSignal(ms: number, outer?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const timer = setTimeout(abort, ms);
  if (outer?.aborted) abort();
  else outer?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      outer?.removeEventListener('abort', abort);
    },
  };
}
