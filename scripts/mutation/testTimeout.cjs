// Stryker's mocha runner turns mocha's own timeout off, so a mutant that makes a test wait forever
// (a deadline that never fires, a poll that never ends) held its runner until Stryker's timeout:
// the covering tests' time x 1.5 + 5 s, 25 s for the busiest modules, then a restart. Each test
// gets 10 s here (the slowest in-process test takes under 3 s), so such a test fails and the mutant
// is killed by the test that waited for it. Tests that set a longer timeout of their own keep it.
const LIMIT_MS = 10_000;

exports.mochaHooks = {
  beforeEach() {
    const test = this.currentTest;
    if (test && (test.timeout() === 0 || test.timeout() > LIMIT_MS)) test.timeout(LIMIT_MS);
  },
};
