import type { Signal } from '../../src/vocabulary';
import { METRIC } from '../../src/vocabulary';

/**
 * One signal's verdicts by kind ("verified", "skipped/over_capacity", ...; the non-zero ones) and
 * the runs counter's total, from one scrape of the daemon's /metrics.
 */
export async function verdictCounts(
  baseUrl: string,
  signal: Signal,
): Promise<{ byKind: Record<string, number>; runs: number }> {
  const text = await (await fetch(`${baseUrl}/metrics?name=${METRIC.runs}&name=${METRIC.verifications}`)).text();
  const byKind: Record<string, number> = {};
  const verdicts = new RegExp(
    `^${METRIC.verifications}\\{pipeline="\\w+",signal="${signal}",outcome="(\\w+)",reason="(\\w+)"\\} (\\d+)$`,
    'gm',
  );
  for (const [, outcome, reason, n] of text.matchAll(verdicts)) {
    if (Number(n) > 0) byKind[reason === 'none' ? outcome! : `${outcome}/${reason}`] = Number(n);
  }
  const runs = [...text.matchAll(new RegExp(`^${METRIC.runs}\\{[^}]*\\} (\\d+)$`, 'gm'))].reduce(
    (sum, [, n]) => sum + Number(n),
    0,
  );
  return { byKind, runs };
}
