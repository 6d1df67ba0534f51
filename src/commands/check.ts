import { sanitize } from '../text';
import { SIGNALS } from '../vocabulary';

interface ReceiptCheck {
  status: string;
  outcome?: string;
  reason?: string;
  observedValue?: number;
  backend?: string;
  output?: string;
}

interface Receipt {
  outcome?: string;
  run_id?: string;
  checks?: Record<string, ReceiptCheck[]>;
  error?: { message?: string };
}

export interface CheckOptions {
  url: string;
  timeoutMs: number;
  id?: string;
  /** The pipeline to prove (the daemon's first when not given). */
  pipeline?: string;
  token?: string;
  out: (line: string) => void;
}

/**
 * Triggers a caller-named run on a running daemon, waits for its verdict and prints one line per
 * signal. Returns the exit code: 0 only when every signal is verified.
 */
export async function check(options: CheckOptions): Promise<number> {
  const target = `${options.url.replace(/\/+$/, '')}/smoke-test`;
  let res: Response;
  let body: Receipt;
  try {
    res = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
      },
      body: JSON.stringify({
        ...(options.id ? { id: options.id } : {}),
        ...(options.pipeline ? { pipeline: options.pipeline } : {}),
        wait: true,
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    body = (await res.json()) as Receipt;
  } catch (err) {
    const e = err as Error;
    options.out(
      e.name === 'TimeoutError'
        ? `no verdict within ${options.timeoutMs / 1000}s from ${target}`
        : `cannot reach ${target}: ${e.message}`,
    );
    return 1;
  }
  if (!body.checks) {
    options.out(`${target} answered ${res.status}: ${sanitize(String(body.error?.message ?? 'not a receipt'))}`);
    return 1;
  }
  const failing: string[] = [];
  for (const signal of SIGNALS) {
    const c = body.checks[`${signal}:verification`]?.[0];
    const outcome = sanitize(String(c?.outcome ?? 'unknown'), 20);
    // The daemon's answer is printed, so it is made printable: a hostile one cannot forge a line.
    const detail =
      outcome === 'verified' ? `lag ${Number(c?.observedValue ?? 0).toFixed(3)}s` : sanitize(String(c?.output ?? ''));
    const from = c?.backend ? `  (${sanitize(String(c.backend), 20)})` : '';
    options.out(`${signal.padEnd(7)} ${outcome.padEnd(9)} ${detail}${from}`.trimEnd());
    if (outcome !== 'verified' && outcome !== 'skipped')
      failing.push(`${signal} ${outcome} (${sanitize(String(c?.reason ?? 'unknown'), 40)})`);
  }
  const verdict =
    res.status === 200 ? 'verified' : `not verified: ${failing.join(', ') || sanitize(String(body.outcome), 20)}`;
  options.out(`run ${sanitize(String(body.run_id ?? '?'), 128)} ${verdict}`);
  return res.status === 200 ? 0 : 1;
}
