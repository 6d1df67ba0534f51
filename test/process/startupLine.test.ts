import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { spawnDaemon, stopDaemon } from '../support/daemon';
import { gate } from '../support/receipts';

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

describe('the start-up line', () => {
  it("names every file the daemon then writes, and each signal's read-back chain", async () => {
    const daemon = await spawnDaemon({
      env: { PETSAGE_SMOKE_INTERVAL: '0', PETSAGE_SMOKE_STATE_PATH: 'state/petsage-smoke.json' },
    });
    const line = await daemon.waitForEvent('daemon.listening');
    const files = line.files as Record<string, string>;
    const pipelines = line.pipelines as Record<string, { read_back: Record<string, string[]> }>;
    expect(Object.keys(pipelines.default!.read_back)).to.have.members(['log', 'trace', 'metric']);
    expect((await gate(daemon.url)).status).to.equal(200);
    const running = filesUnder(daemon.dir);
    expect((await stopDaemon(daemon)).code).to.equal(0);

    const named = new Set(
      Object.entries(files)
        .filter(([key]) => key !== 'beside_them')
        .map(([, file]) => path.relative(daemon.dir, path.resolve(daemon.dir, file))),
    );
    expect(named.size, 'the log, the span file and the state').to.equal(3);
    // What was written beside them is what `beside_them` says: each one's lock while it ran.
    for (const file of [...running, ...filesUnder(daemon.dir)])
      expect(named.has(file) || (file.endsWith('.lock') && named.has(file.slice(0, -'.lock'.length))), file).to.equal(
        true,
      );
    expect(files.beside_them).to.include('<file>.lock while running');
    expect(filesUnder(daemon.dir).filter((f) => named.has(f))).to.have.length(3);
  });
});
