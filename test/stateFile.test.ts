import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createSmokeRunner } from '../src/smoke/runSmokeTest';
import { readState, serialize, STATE_VERSION, writeState } from '../src/stateFile';
import { fakePorts } from './support/fakes';
import { tmpDir } from './support/tmp';

describe('state file', () => {
  const runs = () => {
    const run = createSmokeRunner(fakePorts().ports);
    return [run('api', { id: 'deploy-1' }), run('schedule')] as const;
  };

  it('round-trips pending runs (verdicts, per-hop progress), spot-check runs and the log tail; restored runs are marked', async () => {
    const [gate, scheduled] = runs();
    const file = path.join(tmpDir(), 'state', 'petsage-smoke.json');
    const at = new Date(gate.startedAt.getTime() + 100);
    const bytes = await writeState(
      file,
      {
        pending: [
          {
            run: gate,
            verdicts: {
              log: { signal: 'log', outcome: 'verified', reason: 'none', lagSeconds: 0.1, at, backend: 'file' },
            },
            progress: { trace: [at.getTime(), undefined] },
          },
        ],
        spotChecks: [{ run: scheduled, verifiedAtMs: { log: 1, trace: 2 } }],
        logTail: { ino: 42, offset: 1234 },
      },
      Date.now(),
    );
    expect(bytes).to.equal(readFileSync(file).length);
    expect(readdirSync(path.dirname(file))).to.deep.equal(['petsage-smoke.json']); // the temporary file was renamed
    const { state, setAside } = readState(file, 999);
    expect(setAside).to.equal(undefined);
    const [pending] = state!.pending;
    expect(pending!.run).to.deep.include({
      id: 'deploy-1',
      traceId: gate.traceId,
      seq: gate.seq,
      trigger: 'api',
      restoredAtMs: 999,
    });
    expect(pending!.run.startedAt.getTime()).to.equal(gate.startedAt.getTime());
    expect(pending!.verdicts.log).to.deep.include({ outcome: 'verified', lagSeconds: 0.1, backend: 'file' });
    expect(pending!.progress.trace).to.deep.equal([at.getTime(), undefined]);
    expect(state!.spotChecks[0]!.verifiedAtMs).to.deep.equal({ log: 1, trace: 2 });
    expect(state!.logTail).to.deep.equal({ ino: 42, offset: 1234 });
  });

  it('no file: nothing to restore; a truncated, garbage or other-version file is set aside, never thrown', () => {
    const dir = tmpDir();
    expect(readState(path.join(dir, 'absent.json'), 0)).to.deep.equal({});
    const good = serialize({ pending: [], spotChecks: [] }, Date.now());
    for (const [name, text] of [
      ['truncated', good.slice(0, good.length / 2)],
      ['garbage', '\u0000\u0001 not json at all'],
      ['other-version', good.replace(`"version":${STATE_VERSION}`, '"version":99')],
    ] as const) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, text);
      const result = readState(file, Date.UTC(2026, 0, 1));
      expect(result.state, name).to.equal(undefined);
      expect(result.setAside?.why, name).to.be.a('string');
      expect(existsSync(file), `${name}: moved aside`).to.equal(false);
      expect(readFileSync(result.setAside!.to, 'utf8'), name).to.equal(text);
    }
  });
});
