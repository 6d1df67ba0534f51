import { EventEmitter, once } from 'node:events';
import { expect } from 'chai';
import { installShutdown } from '../src/shutdown';

function harness(stop: (reason: string) => Promise<void>, gracePeriodMs = 5000) {
  const signals = new EventEmitter();
  const exits = new EventEmitter();
  const codes: number[] = [];
  const warnings: string[] = [];
  installShutdown({
    signals,
    stop,
    gracePeriodMs,
    exit: (code) => {
      codes.push(code);
      exits.emit('exit', code);
    },
    warn: (line) => warnings.push(line),
  });
  return { signals, exits, codes, warnings };
}

describe('shutdown', () => {
  it('drains on SIGTERM, then exits 0', async () => {
    const reasons: string[] = [];
    const h = harness(async (reason) => {
      reasons.push(reason);
    });
    h.signals.emit('SIGTERM', 'SIGTERM');
    await once(h.exits, 'exit');
    expect(reasons).to.deep.equal(['SIGTERM']);
    expect(h.codes).to.deep.equal([0]);
  });

  it('exits 1 at once on a second signal', () => {
    const h = harness(() => new Promise<void>(() => {}));
    h.signals.emit('SIGINT', 'SIGINT');
    h.signals.emit('SIGINT', 'SIGINT');
    expect(h.codes).to.deep.equal([1]);
    expect(h.warnings[0]).to.include('second SIGINT');
  });

  it('exits 1 when the grace period runs out', async () => {
    const h = harness(() => new Promise<void>(() => {}), 10);
    h.signals.emit('SIGTERM', 'SIGTERM');
    await once(h.exits, 'exit');
    expect(h.codes).to.deep.equal([1]);
    expect(h.warnings[0]).to.include('did not finish within 10 ms');
  });

  it('exits 1 when draining fails', async () => {
    const h = harness(() => Promise.reject(new Error('disk gone')));
    h.signals.emit('SIGTERM', 'SIGTERM');
    await once(h.exits, 'exit');
    expect(h.codes).to.deep.equal([1]);
    expect(h.warnings[0]).to.include('disk gone');
  });
});
