#!/usr/bin/env node
// The figures of test/README.md "Last full run", from Stryker's JSON report (var/mutation/report.json
// unless a path is given; run from the repository): the score, the counts, and a table by directory.
//   node scripts/mutation/summary.cjs [report.json] [--survivors]   --survivors lists each one too
'use strict';
const console = require('node:console');
const path = require('node:path');
const process = require('node:process');

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? path.join('var', 'mutation', 'report.json');
const report = require(path.resolve(file));

const LIMIT = /Timeout of \d+ms exceeded/;
const blank = () => ({
  mutants: 0,
  killed: 0,
  byLimit: 0,
  timeout: 0,
  survived: 0,
  noCoverage: 0,
  ignored: 0,
  errors: 0,
});
const total = blank();
const byGroup = new Map();
const survivors = [];

for (const [name, { mutants }] of Object.entries(report.files)) {
  const rel = path.relative('src', name);
  const group = rel.includes(path.sep) ? `${rel.split(path.sep)[0]}/` : rel;
  const g = byGroup.get(group) ?? byGroup.set(group, blank()).get(group);
  for (const m of mutants) {
    for (const c of [total, g]) {
      c.mutants += 1;
      if (m.status === 'Killed') {
        c.killed += 1;
        if (LIMIT.test(m.statusReason ?? '')) c.byLimit += 1;
      } else if (m.status === 'Timeout') c.timeout += 1;
      else if (m.status === 'Survived') c.survived += 1;
      else if (m.status === 'NoCoverage') c.noCoverage += 1;
      else if (m.status === 'Ignored') c.ignored += 1;
      else c.errors += 1;
    }
    if (m.status === 'Survived' || m.status === 'NoCoverage')
      survivors.push(
        `${name}:${m.location.start.line}:${m.location.start.column} ${m.status} ${m.mutatorName} => ${JSON.stringify(m.replacement ?? '').slice(0, 100)}`,
      );
  }
}

const detected = (c) => c.killed + c.timeout;
const score = (c) => (100 * detected(c)) / (detected(c) + c.survived + c.noCoverage);
const pct = (x) => `${x.toFixed(2)} %`;
const n = (x) => x.toLocaleString('en-US');

console.log(`${n(total.mutants)} mutants in ${byGroup.size} groups, ${Object.keys(report.files).length} files`);
console.log(
  `score ${pct(score(total))}: ${n(detected(total))} detected (${n(total.killed)} killed, ${n(total.byLimit)} by the test limit; ` +
    `${n(total.timeout)} timed out) of ${n(detected(total) + total.survived + total.noCoverage)}; ` +
    `${n(total.survived)} survived, ${n(total.noCoverage)} not covered`,
);
console.log(`score over covered code ${pct((100 * detected(total)) / (detected(total) + total.survived))}`);
console.log(`ignored ${n(total.ignored)}, errors ${n(total.errors)}`);
console.log('\n| | mutants | detected | survived | no coverage | ignored | score |\n|---|---|---|---|---|---|---|');
for (const [group, c] of [...byGroup].sort(([a], [b]) => a.localeCompare(b)))
  console.log(
    `| ${group} | ${n(c.mutants)} | ${n(detected(c))} | ${n(c.survived)} | ${n(c.noCoverage)} | ${n(c.ignored)} | ${score(c).toFixed(1)} % |`,
  );
if (args.includes('--survivors')) console.log(`\n${survivors.join('\n')}`);
