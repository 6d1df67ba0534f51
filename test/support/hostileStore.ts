import type { ServerResponse } from 'node:http';
import { MiB } from './chaos';
import { scratchServer } from './scratchServer';

/**
 * A trace store (Tempo's or Jaeger's GET /api/traces/<id>) that answers every lookup with something
 * hostile, one way per store:
 * - `many-small`: just under the 8 MiB by-id cap, `{"batches":[{"scopeSpans":[{"spans":[{},{},…]}]}]}`
 *   (about 2.8 million empty spans: the answer that took RSS to 2.8 GiB in issue 33);
 * - `deep`: just under 8 MiB of nesting, `{"batches":[[[[…]]]]}`;
 * - `huge`: 64 MiB of spans, chunked with no length declared (past the byte cap while it streams);
 * - `drip`: the start of an answer, then a byte every 100 ms, never finished;
 * - `endless`: spans, chunked, for ever, as fast as the daemon reads them;
 * - `mixed`: every other lookup the `many-small` answer, the rest a `drip` (the drip meets a
 *   daemon whose heap is churning).
 * Other paths are 404. It keeps every lookup: when it came, when the daemon hung up, the bytes sent;
 * and the most lookups it held open at once.
 */
export type HostileMode = 'many-small' | 'deep' | 'huge' | 'drip' | 'endless' | 'mixed';

const CAP = 8 * MiB;
const PREFIX = '{"batches":[{"scopeSpans":[{"spans":[';
const SUFFIX = '{}]}]}]}';

function manySmall(): Buffer {
  const spans = Math.floor((CAP - 1024 - PREFIX.length - SUFFIX.length) / 3);
  return Buffer.from(`${PREFIX}${'{},'.repeat(spans)}${SUFFIX}`);
}

function deep(): Buffer {
  const levels = Math.floor((CAP - 1024) / 2) - 16;
  return Buffer.from(`{"batches":${'['.repeat(levels)}${']'.repeat(levels)}}`);
}

/** 64 KiB of `{},` : the body of a stream of empty spans. */
const SPANS_CHUNK = Buffer.from('{},'.repeat(Math.floor((64 * 1024) / 3)));

export interface Lookup {
  /** performance.now() when it came, and when its connection closed (undefined while open). */
  readonly at: number;
  closedAt: number | undefined;
  bytes: number;
}

export async function hostileTraceStore(mode: HostileMode) {
  const body = mode === 'many-small' || mode === 'mixed' ? manySmall() : mode === 'deep' ? deep() : undefined;
  const lookups: Lookup[] = [];
  let open = 0;
  let maxOpen = 0;
  let first: () => void = () => {};
  const firstLookup = new Promise<void>((resolve) => (first = resolve));

  /** Writes spans until `limit` bytes (or for ever), waiting for the reader; stops when it hangs up. */
  const stream = (res: ServerResponse, lookup: Lookup, limit: number) => {
    res.writeHead(200, { 'content-type': 'application/json' }); // no length: chunked
    res.write(PREFIX);
    let written = PREFIX.length;
    const more = () => {
      while (!res.destroyed && written < limit) {
        written += SPANS_CHUNK.length;
        lookup.bytes += SPANS_CHUNK.length;
        if (!res.write(SPANS_CHUNK)) return void res.once('drain', more);
      }
      if (!res.destroyed) res.end(SUFFIX);
    };
    more();
  };

  const server = await scratchServer((req, res) => {
    res.on('error', () => {}); // the daemon hangs up mid-answer: that is the point
    if (!req.url?.startsWith('/api/traces/')) return void res.writeHead(404).end();
    const lookup: Lookup = { at: performance.now(), closedAt: undefined, bytes: 0 };
    lookups.push(lookup);
    maxOpen = Math.max(maxOpen, (open += 1));
    res.once('close', () => {
      lookup.closedAt = performance.now();
      open -= 1;
    });
    first();
    if (body && (mode !== 'mixed' || lookups.length % 2 === 1)) {
      lookup.bytes = body.length;
      return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
    }
    if (mode === 'huge') return stream(res, lookup, 64 * MiB);
    if (mode === 'endless') return stream(res, lookup, Infinity);
    // drip
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(PREFIX);
    const drip = setInterval(() => {
      if (res.destroyed) return clearInterval(drip);
      lookup.bytes += 1;
      res.write(' ');
    }, 100);
    res.once('close', () => clearInterval(drip));
  });
  return {
    url: server.url,
    mode,
    /** The size of the answer, for the modes that answer in one piece. */
    size: mode === 'mixed' ? undefined : body?.length,
    /** Resolves when the daemon first looks a trace up. */
    firstLookup,
    lookups,
    /** The most lookups held open at once so far. */
    get maxOpen() {
      return maxOpen;
    },
    close: server.close,
  };
}
