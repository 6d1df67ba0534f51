import { expect } from 'chai';
import { FAULTS, runFault, startAlertStack, type AlertStack } from '../support/alertStack';

/**
 * From a broken pipeline to a notification: a real daemon, a real Prometheus evaluating the shipped
 * rules and a real Alertmanager with the shipped config (both with their timings divided by 15),
 * and a webhook receiver. Each fault raises its alert with its labels and annotations, nothing
 * else arrives, and the repair sends the resolution.
 */
describe('end to end: alerts through a real Prometheus and Alertmanager', function () {
  this.timeout(150_000);
  let stack: AlertStack;

  before(async () => {
    stack = await startAlertStack();
  });
  after(async () => {
    await stack?.close();
  });

  it("the watchdog reaches the dead man's switch receiver, and a healthy pipeline pages nobody", async () => {
    const heartbeat = await stack.receiver.waitFor((n) => n.path === '/heartbeat', 0);
    expect(heartbeat.labels).to.include({ alertname: 'PetsageSmokeWatchdog', severity: 'none' });
    await stack.quiet();
    expect(stack.receiver.received.filter((n) => n.path !== '/heartbeat')).to.deep.equal([]);
  });

  for (const fault of FAULTS) {
    it(`${fault.name}: its alert, with labels and annotations, then resolved; nothing else`, async () => {
      const result = await runFault(stack, fault);
      const { alertname } = result.expected;
      expect(result.page.labels).to.include(result.expected);
      expect(result.page.labels.severity).to.equal('critical');
      expect(result.page.path).to.equal('/page');
      expect(result.page.annotations.summary).to.be.a('string').and.not.equal('');
      expect(result.page.annotations.runbook_url).to.equal(`prometheus/README.md#${alertname!.toLowerCase()}`);
      if (result.expected.signal)
        expect(result.page.annotations.summary).to.include(result.expected.signal).and.include(result.expected.reason);
      expect(result.resolved.labels).to.deep.equal(result.page.labels);
      expect(result.others.map((n) => `${n.status} ${n.labels.alertname} ${JSON.stringify(n.labels)}`)).to.deep.equal(
        [],
      );
    });
  }
});
