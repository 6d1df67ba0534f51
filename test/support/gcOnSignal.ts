/**
 * Preloaded into a spawned daemon by memory tests (NODE_OPTIONS=--require): on SIGUSR2 it
 * collects garbage and writes the live heap to stderr, so growth is measured, not garbage.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { writeSync } from 'node:fs';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

process.on('SIGUSR2', () => {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  writeSync(2, `${JSON.stringify({ live_heap_bytes: heapUsed, rss_bytes: rss })}\n`);
});
