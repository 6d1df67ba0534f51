import { existsSync, readFileSync, statSync, watch } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import { expect } from 'chai';
import { EVENT } from '../../src/vocabulary';
import { report } from '../support/chaos';
import { spawnDaemon, UNLIMITED, type SpawnedDaemon } from '../support/daemon';
import { releaseAfter } from '../support/cleanup';
import { scratchServer } from '../support/scratchServer';
import { tmpDir } from '../support/tmp';

/** Issue 33, items 4 and 5: the state file is the old state or the new, never half, whatever kills the writer. */
const RUNS = Number(process.env.PETSAGE_CHAOS_STATE_RUNS ?? 6000);
/** Kills landing inside a write, each at another point of it. */
const KILLS = 4;

/** What a state file holds, checked line by line as the daemon's reader would: header first, end last. */
function wholeState(file: string): { whole: boolean; pending: number; writtenAt: string; why?: string } {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) !== '') return { whole: false, pending: 0, writtenAt: '', why: 'no newline at the end' };
  lines.pop();
  let pending = 0;
  try {
    const parsed = lines.map((l) => JSON.parse(l) as { kind: string; writtenAt?: string });
    if (parsed[0]?.kind !== 'state') return { whole: false, pending, writtenAt: '', why: 'no header' };
    if (parsed.at(-1)?.kind !== 'end') return { whole: false, pending, writtenAt: '', why: 'no end line' };
    pending = parsed.filter((p) => p.kind === 'pending').length;
    return { whole: true, pending, writtenAt: String(parsed[0].writtenAt) };
  } catch {
    return { whole: false, pending, writtenAt: '', why: 'a line is not JSON' };
  }
}

/**
 * Watches the state file's directory (inotify): `nextWrite()` resolves the next time `<file>.tmp`
 * appears (a write began), with the state file's content at that moment (the old state);
 * `nextRename()` when a write is next renamed into place (the only event on the state file's own
 * name); `durations` how long writes took, from the temp file's appearance to the rename.
 */
function watchWrites(file: string) {
  const tmp = `${file}.tmp`;
  const began: ((old: string) => void)[] = [];
  const renamed: (() => void)[] = [];
  const durations: number[] = [];
  let since: number | undefined;
  const watcher = watch(path.dirname(file), (_event, name) => {
    if (name === path.basename(tmp) && existsSync(tmp)) {
      since ??= performance.now();
      if (began.length === 0) return;
      const old = existsSync(file) ? readFileSync(file, 'utf8') : '';
      for (const w of began.splice(0)) w(old);
    } else if (name === path.basename(file)) {
      if (since !== undefined) durations.push(performance.now() - since);
      since = undefined;
      for (const w of renamed.splice(0)) w();
    }
  });
  releaseAfter('state directory watcher', () => watcher.close());
  return {
    nextWrite: () => new Promise<string>((resolve) => began.push(resolve)),
    nextRename: () => new Promise<void>((resolve) => renamed.push(resolve)),
    durations,
    close: () => watcher.close(),
  };
}

describe('chaos: SIGKILL while the state file is written (issue 33, item 5)', function () {
  this.timeout(120_000);
  // One chain of daemons on one state file, each started where the last was killed. A trace store
  // that never answers keeps every run pending at its last hop, for ten minutes: no run can settle,
  // so every state written holds all of them.
  let dir: string;
  let stateFile: string;
  let env: Record<string, string>;
  let daemon: SpawnedDaemon;
  let watcher: ReturnType<typeof watchWrites>;
  const pendingOnDisk = () => wholeState(stateFile).pending;
  /** The next write that holds `count` pending runs, renamed into place. */
  const fullWrite = async (count: number) => {
    do await watcher.nextRename();
    while (pendingOnDisk() < count);
  };

  before(async () => {
    const store = await scratchServer(() => {});
    dir = tmpDir();
    stateFile = path.join(dir, 'state.jsonl');
    env = {
      ...UNLIMITED,
      PETSAGE_SMOKE_INTERVAL: '0',
      PETSAGE_SMOKE_VERIFY_TIMEOUT: '10m',
      PETSAGE_SMOKE_TEMPO_URL: store.url,
      PETSAGE_SMOKE_STATE_FILE: stateFile,
      PETSAGE_SMOKE_STATE_WRITE_INTERVAL: '100ms',
    };
    daemon = await spawnDaemon({ env });
    watcher = watchWrites(stateFile);
    const result = await autocannon({ url: `${daemon.url}/smoke-test`, connections: 32, amount: RUNS });
    expect(result['2xx'], 'runs made').to.equal(RUNS);
    await fullWrite(RUNS);
    const writeMs = watcher.durations.slice(-3);
    report('the state before the kills', {
      pending: pendingOnDisk(),
      bytes: statSync(stateFile).size,
      last_writes_ms: writeMs.map((ms) => Math.round(ms)),
    });
  });
  after(() => watcher.close());

  const restart = async () => {
    daemon = await spawnDaemon({ env, dir: daemon.dir });
    const restored = await daemon.waitForEvent(EVENT.stateRestored, (l) => l.pending !== undefined);
    const unreadable = daemon.stdout.some((l) => l.includes(`"event":"${EVENT.stateUnreadable}"`));
    return { restored: Number(restored.pending), unreadable };
  };
  const kill = async () => {
    daemon.child.kill('SIGKILL');
    await daemon.exited;
  };

  it(`${KILLS} kills, each inside a write of ${RUNS} pending runs: every next start finds a whole state (the old one, or the new), restores all of it, and serves`, async () => {
    const typicalMs = watcher.durations.slice(-3).reduce((a, b) => a + b, 0) / 3;
    const kills: Record<string, unknown>[] = [];
    let inside = 0;
    let aim = 1; // a kill that came after the write ended aims the next try 20 % earlier (a loaded machine writes faster or slower than typical)
    for (let attempt = 0; inside < KILLS && attempt < KILLS * 6; attempt += 1) {
      // Into the write by 0 %, 30 %, 60 %, 90 % of a typical one.
      const intoMs = Math.round(typicalMs * (inside % KILLS) * 0.3 * aim);
      const old = await watcher.nextWrite();
      if (intoMs > 0) await delay(intoMs); // a point inside the write
      await kill();
      const tmpLeft = existsSync(`${stateFile}.tmp`);
      const state = wholeState(stateFile);
      const which = readFileSync(stateFile, 'utf8') === old ? 'old' : state.whole ? 'new' : 'half';
      const { restored, unreadable } = await restart();
      kills.push({
        into_ms: intoMs,
        tmp_left: tmpLeft,
        state: which,
        pending_on_disk: state.pending,
        restored,
        unreadable,
      });
      expect(state.whole, `after a kill ${intoMs} ms into a write: ${state.why}`).to.equal(true);
      expect(unreadable, 'the next start set the state aside').to.equal(false);
      expect(restored, 'runs restored: all the state held').to.equal(state.pending);
      expect((await fetch(`${daemon.url}/livez`)).status).to.equal(200);
      if (tmpLeft) [inside, aim] = [inside + 1, 1];
      else aim *= 0.8;
      // The next kill lands in a write of every run (not in one that raced the restore: see the next test).
      await fullWrite(restored);
    }
    report('kills', { typical_write_ms: Math.round(typicalMs), kills });
    expect(inside, 'kills that landed inside a write').to.equal(KILLS);
  });

  it(`a kill just after a restarted daemon's first state write: that write holds every run being restored (${RUNS})`, async () => {
    // What a test starts is stopped after it: this one starts where the last daemon left the state.
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) await restart();
    await fullWrite(RUNS);
    await kill();
    expect(pendingOnDisk()).to.equal(RUNS);
    const spawned = performance.now();
    const firstWrite = watcher.nextRename();
    // The new daemon may write before it listens (while it restores), so it is killed by the pid in its lock.
    const starting = spawnDaemon({ env, dir: daemon.dir }).then(
      (d) => d,
      () => undefined, // killed before it listened
    );
    await firstWrite;
    const firstWriteMs = performance.now() - spawned;
    const pid = (JSON.parse(readFileSync(`${stateFile}.lock`, 'utf8')) as { pid: number }).pid;
    process.kill(pid, 'SIGKILL'); // the pod is killed again, right after the first state the new daemon wrote
    const killed = await starting;
    if (killed) await killed.exited;
    const onDisk = pendingOnDisk();
    const next = await restart();
    report('first write after a restart', {
      first_write_after_spawn_ms: Math.round(firstWriteMs),
      listening_when_killed: killed !== undefined,
      pending_on_disk_after_the_kill: onDisk,
      restored_by_the_next_start: next.restored,
    });
    expect(onDisk, 'pending runs the state file still holds').to.equal(RUNS);
    expect(next.restored).to.equal(RUNS);
  });
});
