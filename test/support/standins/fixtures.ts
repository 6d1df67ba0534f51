import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../repo';

/** The stores whose answers are kept in test/fixtures/upstream/<store>. */
export type Store = 'loki' | 'tempo' | 'jaeger';

/** What a correct reader concludes from an answer (README in test/fixtures/upstream). */
export interface Verdict {
  readonly outcome: 'verified' | 'missing' | 'error';
  readonly reason: string;
}

/** One answer of a real store, as test/fixtures/upstream/<store>/manifest.json lists it. */
export interface Fixture {
  readonly name: string;
  readonly request: { readonly method: string; readonly path: string; readonly headers?: Record<string, string> };
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly bodyFile?: string;
  readonly source: { readonly repo: string; readonly path: string; readonly commit: string };
  readonly case: string;
  readonly expectedVerdict?: Verdict;
}

export const FIXTURE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'upstream');

const manifests = new Map<Store, Fixture[]>();
/** A store's manifest, read once. */
export function manifest(store: Store): readonly Fixture[] {
  if (!manifests.has(store))
    manifests.set(store, JSON.parse(readFileSync(path.join(FIXTURE_DIR, store, 'manifest.json'), 'utf8')) as Fixture[]);
  return manifests.get(store)!;
}

export function fixture(store: Store, name: string): Fixture {
  const found = manifest(store).find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${store}/${name} in test/fixtures/upstream/${store}/manifest.json`);
  return found;
}

/** A file of a store's fixtures, as stored. */
export const fixtureText = (store: Store, file: string) => readFileSync(path.join(FIXTURE_DIR, store, file), 'utf8');

/**
 * The placeholders of the templates (test/fixtures/upstream/README.md): ids, run id, seq and times
 * of the run an answer is about.
 */
export interface FixtureRun {
  readonly traceId: string;
  readonly spanId: string;
  readonly runId: string;
  readonly seq: number;
  /** The run's start, ns since the epoch. */
  readonly startNs: bigint;
  /** Its end; start + 1 ms when not given. */
  readonly endNs?: bigint;
}

/** Jaeger's trace id: 16 hex digits when the high 64 bits are zero (model.TraceID.String()). */
export const jaegerTraceId = (hex: string) => (hex.startsWith('0000000000000000') ? hex.slice(16) : hex);

/** Every placeholder's value for one run. */
export function fixtureVars(run: FixtureRun): Record<string, string> {
  const endNs = run.endNs ?? run.startNs + 1_000_000n;
  const other = (BigInt(`0x${run.spanId}`) ^ 0xffn).toString(16).padStart(16, '0');
  return {
    traceIdHex: run.traceId,
    traceIdBase64: Buffer.from(run.traceId, 'hex').toString('base64'),
    traceIdSearch: run.traceId.replace(/^0+/, ''),
    traceIdJaeger: jaegerTraceId(run.traceId),
    spanIdHex: run.spanId,
    spanIdBase64: Buffer.from(run.spanId, 'hex').toString('base64'),
    otherSpanIdHex: other,
    otherSpanIdBase64: Buffer.from(other, 'hex').toString('base64'),
    runId: run.runId,
    seq: String(run.seq),
    startNs: String(run.startNs),
    endNs: String(endNs),
    observedNs: String(run.startNs + 1000n),
    startUs: String(run.startNs / 1000n),
    durationUs: String((endNs - run.startNs) / 1000n),
    stats: fixtureText('loki', 'stats.json').trim(),
  };
}

/**
 * A fixture's body with its placeholders filled: `"{{stats}}"` (with its quotes) becomes Loki's
 * stats block, every other `{{name}}` its value. A placeholder without a value is an error.
 */
export function fixtureBody(store: Store, f: Fixture, vars: Record<string, string> = {}): string {
  const text = f.bodyFile ? fixtureText(store, f.bodyFile) : (f.body ?? '');
  return text
    .replace(/"\{\{stats\}\}"/g, () => vars.stats ?? fixtureText('loki', 'stats.json').trim())
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = vars[name];
      if (value === undefined) throw new Error(`fixture ${store}/${f.name}: no value for {{${name}}}`);
      return value;
    });
}
