import Mocha from 'mocha';

/** mocha's spec output, then the plain closing line CI reads: "N passed, N failed". */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      // After Spec's epilogue, which it prints on the same event.
      setImmediate(() => process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`));
    });
  }
}

export = SummaryReporter;
