/**
 * The architecture, as rules (docs/architecture.md): imports run down the layers, type-only imports
 * included; the vocabulary imports nothing; the core sees only its ports; one composition root; the
 * HTTP layer is loaded late, through http/module.ts.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'no import cycle, counting type-only imports',
      from: {},
      to: { circular: true },
    },
    {
      name: 'vocabulary-imports-nothing',
      severity: 'error',
      comment: 'names users see are defined at the bottom: vocabulary.ts imports nothing of ours',
      from: { path: '^src/vocabulary\\.ts$' },
      to: { path: '^src/', pathNot: '^src/vocabulary\\.ts$' },
    },
    {
      name: 'core-sees-ports-only',
      severity: 'error',
      comment: 'the smoke run sees ports, never winston, OpenTelemetry, prom-client or the read-back',
      from: { path: '^src/smoke/' },
      to: { pathNot: ['^src/smoke/', '^src/vocabulary\\.ts$'] },
    },
    {
      name: 'config-at-the-bottom',
      severity: 'error',
      comment: 'the config knows only itself, the vocabulary and how to print text',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: ['^src/config/', '^src/vocabulary\\.ts$', '^src/text\\.ts$'] },
    },
    {
      name: 'telemetry-below-the-read-back',
      severity: 'error',
      from: { path: '^src/telemetry/' },
      to: { path: ['^src/(readers|verify|http)/', '^src/(compose|readBack|runs|serve|main|stateKeeper)\\.ts$'] },
    },
    {
      name: 'readers-below-the-verdicts',
      severity: 'error',
      from: { path: '^src/readers/' },
      to: { path: ['^src/(verify|http)/', '^src/(compose|readBack|runs|serve|main)\\.ts$'] },
    },
    {
      name: 'verify-below-http',
      severity: 'error',
      from: { path: '^src/verify/' },
      to: { path: ['^src/http/', '^src/(compose|readBack|runs|serve|main)\\.ts$'] },
    },
    {
      name: 'one-composition-root',
      severity: 'error',
      comment: 'only serve.ts builds the daemon, and only main.ts starts it',
      from: { pathNot: '^src/serve\\.ts$' },
      to: { path: '^src/compose\\.ts$' },
    },
    {
      name: 'main-starts-it',
      severity: 'error',
      from: { pathNot: '^src/main\\.ts$' },
      to: { path: '^src/serve\\.ts$' },
    },
    {
      name: 'http-loaded-late',
      severity: 'error',
      comment:
        'request-span instrumentation patches koa as it is first required: the HTTP layer comes in through http/module.ts',
      from: { path: '^src/', pathNot: '^src/http/' },
      to: { path: '^src/http/', pathNot: '^src/http/module\\.ts$' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|var)/' },
  },
};
