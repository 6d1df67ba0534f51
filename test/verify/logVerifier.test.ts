import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { createLogVerifier, verificationRunId } from '../../src/verify/logVerifier';
import { fakePorts, verifyOnce } from '../support/fakes';
import { tmpDir } from '../support/tmp';

const line = (runId: string) =>
  `${JSON.stringify({ event: 'smoke_test.verification', level: 'info', message: 'PetSage smoke test endpoint executed successfully. Logging verified.', run_id: runId, seq: 1 })}\n`;

describe('log verifier', () => {
  const run = () => createSmokeRunner(fakePorts().ports)('schedule');

  it('finds the run id of a verification line, and nothing in other lines', () => {
    expect(verificationRunId(line('abc'))).to.equal('abc');
    expect(verificationRunId('{"event":"daemon.listening","run_id":"abc"}')).to.equal(undefined);
  });

  it('verifies a run once its line is in the file, with the lag', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    writeFileSync(file, '');
    const verifier = createLogVerifier({ file, pollMs: 10, writeFailed: () => false, now: Date.now });
    await verifier.ready;
    const r = run();
    const verdict = verifyOnce(verifier, r, Date.now() + 5000);
    appendFileSync(file, line(r.id));
    const found = await verdict;
    expect(found.outcome).to.equal('verified');
    expect(found.lagSeconds).to.be.a('number');
    verifier.stop();
  });

  it('reports not_found when the line never arrives, and write_failed when writing failed', async () => {
    const file = path.join(tmpDir(), 'smoke.log');
    writeFileSync(file, '');
    let failed = false;
    const verifier = createLogVerifier({ file, pollMs: 10, writeFailed: () => failed, now: Date.now });
    await verifier.ready;
    expect(await verifyOnce(verifier, run(), Date.now() + 50)).to.include({ outcome: 'missing', reason: 'not_found' });
    failed = true;
    expect(await verifyOnce(verifier, run(), Date.now() + 50)).to.include({ outcome: 'error', reason: 'write_failed' });
    verifier.stop();
  });
});
