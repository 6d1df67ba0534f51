import { hostileCase } from './hostileCase';

/** Answers that never end: a slow drip, an endless stream, and a drip while the heap churns. */
describe('chaos: a trace store answering for ever (issue 33, item 2)', function () {
  this.timeout(60_000);
  hostileCase('drip');
  hostileCase('endless');
  hostileCase('mixed', { checkHeld: true });
});
