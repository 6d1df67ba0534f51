import { expect } from 'chai';
import { benchScript } from '../support/bench';

/** The soak's short mode: 20 seconds of the scaled stack (the rules' 1-minute windows are 4 s in it). */
const SOAK_SECONDS = 20;

describe('soak (short mode): a healthy pipeline pages nobody', function () {
  this.timeout(120_000);

  it(`runs daemon, Prometheus and Alertmanager for ${SOAK_SECONDS} s with scheduled and HTTP runs: no page, no ticket, every read-back verified`, () => {
    const { report } = benchScript<{
      notifications: unknown[];
      heartbeats: number;
      http_runs: number;
      verdicts: Record<string, number>;
      samples: { rss_mib: number; cpu_percent: number }[];
    }>('soak', ['--minutes', String(SOAK_SECONDS / 60)], 110_000);
    expect(report.notifications).to.deep.equal([]);
    expect(report.heartbeats).to.be.above(0);
    expect(report.http_runs).to.be.above(100);
    for (const signal of ['log', 'trace', 'metric']) {
      expect(report.verdicts[`${signal}/verified`], signal).to.be.above(report.http_runs);
      for (const failed of ['missing', 'error'])
        expect(report.verdicts[`${signal}/${failed}`] ?? 0, `${signal}/${failed}`).to.equal(0);
    }
    expect(report.samples.length).to.be.at.least(5);
    for (const s of report.samples) expect(s.rss_mib).to.be.above(0);
  });
});
