import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig } from '../../src/config/load';
import { chooseReaders, type ReaderSources } from '../../src/readers/select';
import type { Reader } from '../../src/readers/types';
import { createSmokeRunner } from '../../src/smoke/runSmokeTest';
import { fakePorts, readOnce } from '../support/fakes';
import { scratchServer } from '../support/scratchServer';
import { tmpDir } from '../support/tmp';

const acks = (backend: Reader['backend']): Reader => ({ backend, missingReason: 'timeout', attach: () => undefined });

function sources(overrides: Partial<ReaderSources> = {}): ReaderSources {
  return {
    logFile: undefined,
    logWriteFailed: () => false,
    spanAcks: acks('exporter'),
    logAcks: undefined,
    render: () => Promise.resolve({ contentType: 'text/plain', body: '' }),
    hostPort: '127.0.0.1:9',
    now: Date.now,
    ...overrides,
  };
}

/** Each signal's chain as backend/missing reason (Tempo by id and by search share a backend), or 'disabled'. */
function chainsOf(flags: Record<string, string>, s: Partial<ReaderSources> = {}) {
  const { chains } = chooseReaders(loadConfig({ env: {}, flags }).verify, sources(s));
  return Object.fromEntries(
    Object.entries(chains).map(([signal, c]) => [
      signal,
      c === 'disabled' ? c : c.map((r) => `${r.backend}/${r.missingReason}`),
    ]),
  );
}

describe('select: which readers prove each signal', () => {
  it("on the defaults: the log file, the span exporter, the daemon's own /metrics", () => {
    const logFile = path.join(tmpDir('petsage-select-'), 'smoke.log');
    expect(chainsOf({}, { logFile })).to.deep.equal({
      log: ['file/not_found'],
      trace: ['exporter/timeout'],
      metric: ['self/not_found'],
    });
  });

  it('every hop a signal must reach, in order: exported, written, stored', () => {
    const logFile = path.join(tmpDir('petsage-select-'), 'smoke.log');
    const flags = {
      'verify.log.loki.url': 'http://127.0.0.1:3100',
      'verify.traces.tempo.url': 'http://127.0.0.1:3200',
      'verify.traces.tempo.search': 'true',
      'verify.metrics.prometheusUrl': 'http://127.0.0.1:9090',
    };
    expect(chainsOf(flags, { logFile, logAcks: acks('log_exporter') })).to.deep.equal({
      log: ['log_exporter/timeout', 'file/not_found', 'loki/not_found'],
      trace: ['exporter/timeout', 'tempo/notfound_byid', 'tempo/notfound_search'],
      metric: ['prometheus/not_found'],
    });
    // One trace store at a time: Tempo without search, Jaeger, or either by id (queryUrl).
    const traceStores = [
      ['verify.traces.tempo.url', 'tempo/notfound_byid'],
      ['verify.traces.jaeger.url', 'jaeger/notfound_byid'],
      ['verify.traces.queryUrl', 'trace_api/not_found'],
    ];
    for (const [key, reader] of traceStores)
      expect(chainsOf({ [key!]: 'http://127.0.0.1:3200' }).trace).to.deep.equal(['exporter/timeout', reader]);
  });

  it('a signal switched off, or a log with nowhere to read it from, is disabled', () => {
    const logFile = path.join(tmpDir('petsage-select-'), 'smoke.log');
    expect(
      chainsOf(
        { 'verify.log.enabled': 'false', 'verify.traces.enabled': 'false', 'verify.metrics.enabled': 'false' },
        { logFile, logAcks: acks('log_exporter') },
      ),
    ).to.deep.equal({
      log: 'disabled',
      trace: 'disabled',
      metric: 'disabled',
    });
    expect(chainsOf({}).log).to.equal('disabled');
    expect(chainsOf({ 'verify.log.loki.url': 'http://127.0.0.1:3100' }).log).to.deep.equal(['loki/not_found']);
  });

  it('the log tail position is kept only with a log file, from where an earlier process stopped', () => {
    const logFile = path.join(tmpDir('petsage-select-'), 'smoke.log');
    writeFileSync(logFile, 'x'.repeat(10));
    const verify = loadConfig({ env: {}, flags: {} }).verify;
    expect(chooseReaders(verify, sources()).logTailPosition()).to.equal(undefined);
    const position = chooseReaders(verify, sources({ logFile })).logTailPosition();
    expect(position).to.include({ offset: 10 });
    expect(
      chooseReaders(verify, sources({ logFile, logTailStart: { ino: position!.ino, offset: 4 } })).logTailPosition(),
    ).to.deep.equal({ ino: position!.ino, offset: 4 });
  });

  it('the counter is looked up under verify.metrics.pathPrefix with verify.metrics.selector, or this instance by default', async () => {
    const prometheus = await scratchServer((_req, res) =>
      res.setHeader('Content-Type', 'application/json').end('{"status":"success","data":{"result":[]}}'),
    );
    const run = createSmokeRunner(fakePorts().ports)('http');
    const queries: string[] = [];
    for (const flags of [
      {} as Record<string, string>,
      { 'verify.metrics.selector': 'job="smoke"', 'verify.metrics.pathPrefix': '/prometheus' },
    ]) {
      const verify = loadConfig({
        env: {},
        flags: { 'verify.metrics.prometheusUrl': prometheus.url, ...flags },
      }).verify;
      const [reader] = chooseReaders(verify, sources()).chains.metric as Reader[];
      await readOnce(reader!, [run]);
      const url = new URL(prometheus.requests.at(-1)!.url!, prometheus.url);
      queries.push(`${url.pathname} ${url.searchParams.get('query')!.match(/\{[^}]*\}/)![0]}`);
    }
    expect(queries).to.deep.equal(['/api/v1/query {instance="127.0.0.1:9"}', '/prometheus/api/v1/query {job="smoke"}']);
  });
});
