import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { METRIC } from '../../src/vocabulary';
import { spawnDaemon } from '../support/daemon';

describe('daemon process: /metrics', () => {
  it('passes promtool check metrics for every petsage_smoke_ metric', async () => {
    const daemon = await spawnDaemon();
    try {
      await fetch(`${daemon.url}/smoke-test`);
      const body = await (await fetch(`${daemon.url}/metrics`)).text();
      for (const name of Object.values(METRIC)) expect(body).to.include(`# TYPE ${name} `);
      // The defaults, for the alert rules to scale with.
      expect(body).to.include('\npetsage_smoke_schedule_interval_seconds{pipeline="default"} 15\n');
      expect(body).to.include('\npetsage_smoke_verify_timeout_seconds{pipeline="default"} 30\n');

      const check = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
      expect(check.error, 'promtool must be installed (Debian package prometheus)').to.equal(undefined);
      const complaints = `${check.stdout}${check.stderr}`.split('\n').filter((l) => l.includes('petsage_smoke_'));
      expect(complaints).to.deep.equal([]);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.exited;
    }
  });
});
