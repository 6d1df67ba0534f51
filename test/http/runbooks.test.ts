import { expect } from 'chai';
import request from 'supertest';
import { RUNBOOKS_CSP } from '../../src/http/routes/runbooks';
import { testService } from '../support/app';
import { readAlertRules } from '../support/repo';

describe('GET /runbooks', () => {
  it("serves docs/runbooks.md as HTML, an anchor for each shipped alert where its runbook_url's fragment points", async () => {
    const { app } = testService();
    const res = await request(app.callback())
      .get('/runbooks')
      .expect(200)
      .expect('Content-Type', 'text/html; charset=utf-8')
      .expect('Content-Security-Policy', RUNBOOKS_CSP);
    const ids = new Set([...res.text.matchAll(/<h\d id="([^"]+)"/g)].map((m) => m[1]));
    const rules = readAlertRules();
    expect(rules.length).to.be.greaterThan(0);
    for (const rule of rules) {
      const fragment = /#([a-z0-9-]+)$/.exec(rule.annotations.runbook_url ?? '')?.[1];
      expect(fragment, `${rule.alert}: runbook_url ends in #<anchor>`).to.equal(rule.alert.toLowerCase());
      expect(ids, `${rule.alert}: the page has the anchor`).to.include(fragment);
    }
    expect(res.text, 'no script on the page').to.not.include('<script');
  });

  it('is served on the probe listener too: an alert names that address as its instance', async () => {
    const { probesApp } = testService({ env: { PETSAGE_SMOKE_PROBES_ENABLED: 'true' } });
    const res = await request(probesApp.callback()).get('/runbooks').expect(200);
    expect(res.text).to.include('id="petsagesmokedown"');
  });
});
