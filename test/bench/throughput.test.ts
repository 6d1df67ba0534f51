import { expect } from 'chai';
import { benchScript } from '../support/bench';

/** The benchmark's short mode, so it cannot rot. Its timings are reported, never judged here. */
describe('benchmark (short mode)', function () {
  this.timeout(180_000);

  it('runs the three apps, reports every figure, and finds no loss', () => {
    const { run, report } = benchScript<Record<string, Record<string, unknown>> & { zero_loss: boolean }>(
      'run',
      ['--short'],
      170_000,
    );
    for (const app of ['bare_koa', 'required_stack', 'petsage_smoke']) {
      for (const key of ['cpu_us_per_request', 'load_generator_busy'])
        expect(report[app]![key], `${app}.${key}`).to.be.above(0);
      for (const key of [
        'throughput_rps',
        'fixed_p50_ms',
        'fixed_p99_ms',
        'start_to_ready_ms',
        'rss_idle_mib',
        'rss_after_load_mib',
      ]) {
        const value = report[app]![key] as number;
        expect(Number.isFinite(value) && value >= 0, `${app}.${key} = ${value}`).to.equal(true); // NaN is a number too
      }
      expect(report[app]!.fixed_failed, `${app}.fixed_failed`).to.equal(0);
    }
    expect(report.petsage_smoke!.metrics_scrape)
      .to.include({ failed: 0 })
      .and.to.have.keys('p50_ms', 'p99_ms', 'failed');
    expect(report.required_stack).to.include.keys('throughput_ratio', 'p99_ratio', 'start_ratio');
    expect(report.loss).to.include({ spans_dropped: 0, spans_failed: 0, exit_code: 0 });
    expect(report.zero_loss, JSON.stringify(report.loss)).to.equal(true);
    // Read-back is reported, not judged: how many runs got a log verdict depends on the load.
    const readBack = report.read_back as { runs: number; log_verdicts: Record<string, number> };
    const verdicts = Object.values(readBack.log_verdicts).reduce((a, b) => a + b, 0);
    expect(verdicts, JSON.stringify(readBack)).to.be.above(0).and.at.most(readBack.runs);
    expect(run.stdout).to.include('| measure | bare Koa | required stack | petsage-smoke |');
    // Every target judged, each with its figure; zero loss is the one a short run must meet too.
    const targets = (report as unknown as { targets: { target: string; met: boolean; measured: string }[] }).targets;
    expect(targets).to.have.length(9);
    for (const t of targets)
      expect(run.stdout).to.include(`${t.met ? 'met    ' : 'NOT MET'}  ${t.target}: ${t.measured}`);
    expect(targets.find((t) => t.target.startsWith('zero loss'))?.met).to.equal(true);
  });
});

describe('CPU profile by stage (short mode)', function () {
  this.timeout(120_000);

  it('profiles the three apps under load and puts their main-thread CPU in stages', () => {
    const { run, report } = benchScript<{
      results: Record<string, { requests: number; process_cpu_us_per_request: number; stages: Record<string, number> }>;
    }>('profile', ['--short'], 110_000);
    expect(Object.keys(report.results)).to.deep.equal(['bare-koa', 'required-stack', 'petsage-smoke']);
    for (const [app, r] of Object.entries(report.results)) {
      expect(r.requests, app).to.equal(2_000);
      // The report's order: the costliest stage first. How samples become stages is test/bench/stages.test.ts.
      const figures = Object.values(r.stages);
      expect(figures, app).to.deep.equal([...figures].sort((a, b) => b - a));
      expect(r.process_cpu_us_per_request, app).to.be.above(0);
      expect(r.stages['Koa and routing (library)'], app).to.be.above(0);
    }
    // The daemon's own stages show up, and only in the daemon's profile.
    const daemon = report.results['petsage-smoke']!.stages;
    for (const stage of ['the run (ours)', 'judging', 'log line: winston', 'span: OTel trace SDK'])
      expect(daemon[stage], stage).to.be.above(0);
    expect(report.results['bare-koa']!.stages['judging']).to.equal(undefined);
    expect(run.stdout).to.match(/\| \*\*process CPU, all threads \(\/proc\)\*\* \|/);
  });
});
