import { hostileCase } from './hostileCase';

/** Whole answers under the by-id byte cap that build too much, and one past the cap. */
describe('chaos: a trace store answering too much (issue 33, item 2)', function () {
  this.timeout(60_000);
  hostileCase('many-small');
  hostileCase('deep');
  hostileCase('huge');
  hostileCase('many-small', { runs: Number(process.env.PETSAGE_CHAOS_HOSTILE_RUNS ?? 100) });
});
