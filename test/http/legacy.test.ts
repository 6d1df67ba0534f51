import { expect } from 'chai';
import request from 'supertest';
import { LEGACY_ROUTES } from '../../src/http/routes/legacy';
import { FEATURE, VERIFICATION_EVENT, VERIFICATION_MESSAGE } from '../../src/vocabulary';
import { VERSION } from '../../src/version';
import { testService } from '../support/app';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('earlier PetSage routes (aliases)', () => {
  it('GET /system/healthz: status ok and a message', async () => {
    const { app, lines } = testService();
    const res = await request(app.callback()).get('/system/healthz').expect(200);
    expect(res.body).to.deep.equal({ status: 'ok', message: 'PetSage system is healthy.' });
    expect(lines).to.have.length(0); // a health answer, not a run
  });

  it('GET /v1/smoke_test/: status ok, feature smoke_test and a message (a run)', async () => {
    const { app, lines } = testService();
    const res = await request(app.callback()).get('/v1/smoke_test/').expect(200);
    expect(res.body).to.include({ status: 'ok', feature: FEATURE, message: VERIFICATION_MESSAGE });
    expect(lines).to.have.length(1);
  });

  it('GET /api/v1/smoke-test: status ok, a message and a UTC ISO-8601 timestamp', async () => {
    const { app } = testService();
    const res = await request(app.callback()).get('/api/v1/smoke-test').expect(200);
    expect(res.body).to.include({ status: 'ok', message: VERIFICATION_MESSAGE });
    expect(res.body.timestamp).to.match(ISO_UTC);
  });

  it('GET /smoke-test/ (trailing slash): status ok, a message, and the INFO verification line', async () => {
    const { app, lines } = testService();
    const res = await request(app.callback()).get('/smoke-test/').expect(200);
    expect(res.body).to.include({ status: 'ok', message: VERIFICATION_MESSAGE });
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0]!)).to.include({
      level: 'info',
      event: VERIFICATION_EVENT,
      message: VERIFICATION_MESSAGE,
      trace_id: res.body.trace_id,
    });
  });

  it('GET /api/v1/health: status ok, service_name and version', async () => {
    const { app } = testService();
    const res = await request(app.callback()).get('/api/v1/health').expect(200);
    expect(res.body).to.deep.equal({ status: 'ok', service_name: 'petsage-smoke', version: VERSION });
  });

  it('messages are configurable; the log line keeps the verification message', async () => {
    const { app, lines } = testService({
      flags: { 'legacyRoutes.v1SmokeTest.message': 'smoke ok', 'legacyRoutes.systemHealthz.message': 'all good' },
    });
    expect((await request(app.callback()).get('/v1/smoke_test/').expect(200)).body.message).to.equal('smoke ok');
    expect((await request(app.callback()).get('/system/healthz').expect(200)).body.message).to.equal('all good');
    expect(JSON.parse(lines[0]!).message).to.equal(VERIFICATION_MESSAGE);
  });

  it('each alias can be turned off (404), the main route stays', async () => {
    const env = {
      PETSAGE_SMOKE_ROUTE_SYSTEM_HEALTHZ: 'false',
      PETSAGE_SMOKE_ROUTE_V1_SMOKE_TEST: 'false',
      PETSAGE_SMOKE_ROUTE_API_V1_SMOKE_TEST: 'false',
      PETSAGE_SMOKE_ROUTE_SMOKE_TEST_SLASH: 'false',
      PETSAGE_SMOKE_ROUTE_API_V1_HEALTH: 'false',
    };
    const { app } = testService({ env });
    for (const { path } of Object.values(LEGACY_ROUTES)) await request(app.callback()).get(path).expect(404);
    await request(app.callback()).get('/smoke-test').expect(200);
  });
});
