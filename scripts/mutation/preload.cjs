// Modules the daemon loads on first use (a require() inside a function: the HTTP layer, the readers
// of the stores, the API schemas, the status page) run their top-level code inside whichever test
// needs them first. Stryker would take that code as covered by that one test, and its mutants would
// never run (the module stays loaded in the test runner): survivors that no test could kill. Loaded
// here, before any test, that code is static like every other module's (stryker.config.json
// ignores static mutants; test/README.md says how many).
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

function lazilyLoaded() {
  const found = new Set();
  for (const file of sources('src'))
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/\brequire\('(\.{1,2}\/[^']+)'\)/g))
      found.add(path.resolve('dist', path.relative('.', path.dirname(file)), `${spec}.js`));
  return [...found].filter((m) => !/[\\/]status[\\/]assets\.js$/.test(m)); // text only, not mutated
}

exports.mochaHooks = {
  beforeAll() {
    for (const module of lazilyLoaded()) require(module);
  },
};
