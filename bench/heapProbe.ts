/**
 * Preloaded into a process being measured (node --expose-gc --require dist/bench/heapProbe.js):
 * on SIGUSR2 it collects garbage and appends one JSON line to $HEAP_PROBE_OUT with the live heap
 * (and its data alone, without compiled code),
 * and writes a heap snapshot too when $HEAP_PROBE_SNAPSHOTS names a directory. Only the benchmarks
 * load it; the daemon knows nothing of it.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';

const out = process.env.HEAP_PROBE_OUT;
const snapshots = process.env.HEAP_PROBE_SNAPSHOTS;
const gc = (globalThis as { gc?: () => void }).gc;
let taken = 0;

if (out && gc) {
  process.on('SIGUSR2', () => {
    // Twice: the first pass may leave what finalizers let go of for the second.
    gc();
    gc();
    const { used_heap_size: usedHeap, total_heap_size: totalHeap } = v8.getHeapStatistics();
    // What the program holds, without the machine code V8 compiles along the way.
    const data = v8
      .getHeapSpaceStatistics()
      .filter((s) => !s.space_name.includes('code'))
      .reduce((sum, s) => sum + s.space_used_size, 0);
    const { rss, external, arrayBuffers } = process.memoryUsage();
    taken += 1;
    const snapshot = snapshots
      ? v8.writeHeapSnapshot(path.join(snapshots, `${process.pid}-${taken}.heapsnapshot`))
      : undefined;
    appendFileSync(out, `${JSON.stringify({ usedHeap, data, totalHeap, rss, external, arrayBuffers, snapshot })}\n`);
  });
}
