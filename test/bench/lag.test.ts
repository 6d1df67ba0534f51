import { expect } from 'chai';
import { benchScript } from '../support/bench';

/** The verification lag benchmark's short mode, so it cannot rot: mostly waiting on schedules and scrapes. */
describe('verification lag benchmark (short mode)', function () {
  this.timeout(240_000);

  it('measures every signal in each set-up, read back from the backend that set-up names', () => {
    const { report } = benchScript<{
      results: {
        set_up: string;
        runs: number;
        rows: { signal: string; backend: string; verified: number; p50_s: number; p99_s: number }[];
      }[];
    }>('lag', ['--short'], 230_000);
    const backends = report.results.map((r) => r.rows.map((row) => `${row.signal}:${row.backend}`).sort());
    expect(backends).to.deep.equal([
      ['log:file', 'metric:self', 'trace:exporter'],
      ['log:loki', 'metric:prometheus', 'trace:tempo'],
      ['log:file', 'metric:prometheus', 'trace:jaeger'],
    ]);
    for (const result of report.results) {
      for (const row of result.rows) {
        expect(row.verified, `${result.set_up} ${row.signal}`).to.equal(result.runs);
        expect(
          Number.isFinite(row.p50_s) && row.p50_s >= 0 && row.p99_s >= row.p50_s,
          `${result.set_up} ${row.signal}`,
        ).to.equal(true);
      }
    }
  });
});
