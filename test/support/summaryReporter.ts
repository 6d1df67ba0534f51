import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';

/**
 * mocha's spec output, then the plain closing line CI reads: "N passed, N failed". When the test
 * command has more to check after mocha (coverage floors), it names a file in PETSAGE_TEST_SUMMARY:
 * the counts go there, and the command prints the closing line itself, last.
 */
class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const { passes = 0, failures = 0, pending = 0 } = this.stats;
      const summaryFile = process.env.PETSAGE_TEST_SUMMARY;
      if (summaryFile) return writeFileSync(summaryFile, JSON.stringify({ passes, failures, pending }));
      // After Spec's epilogue, which it prints on the same event.
      setImmediate(() =>
        process.stdout.write(`${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}\n`),
      );
    });
  }
}

export = SummaryReporter;
