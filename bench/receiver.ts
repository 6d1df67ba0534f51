/**
 * The scratch OTLP receiver as its own process, as a collector would be: taking exports in the
 * benchmark process would stall its load generator's clock for the exporting apps only.
 * IPC: sends { endpoint } when listening; answers "count" with { runSpans, runRecords }: the
 * daemon's run spans and verification records (parsed only then, so it costs no CPU during the load).
 */
import { EVENT, RUN_SPAN_NAME } from '../src/vocabulary';
import { startOtlpReceiver } from '../test/support/otlpReceiver';

type Attribute = { key: string; value: { stringValue?: string } };
const has = (list: Attribute[] | undefined, key: string, value: string) =>
  list?.some((a) => a.key === key && a.value.stringValue === value) ?? false;

interface OtlpJson {
  resourceSpans?: { scopeSpans: { spans: { name: string }[] }[] }[];
  resourceLogs?: {
    resource?: { attributes?: Attribute[] };
    scopeLogs: { logRecords: { attributes?: Attribute[] }[] }[];
  }[];
}

void startOtlpReceiver().then((receiver) => {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message) => {
    if (message !== 'count') return;
    const bodies = receiver.received.map((r) => JSON.parse(r.body.toString()) as OtlpJson);
    const runSpans = bodies
      .flatMap((b) => b.resourceSpans ?? [])
      .flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans))
      .filter((s) => s.name === RUN_SPAN_NAME).length;
    // The required stack sends verification records too: the resource tells the daemon's apart.
    const runRecords = bodies
      .flatMap((b) => b.resourceLogs ?? [])
      .filter((rl) => has(rl.resource?.attributes, 'service.name', 'petsage-smoke'))
      .flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords))
      .filter((r) => has(r.attributes, 'event', EVENT.verification)).length;
    send({ runSpans, runRecords });
  });
  process.on('disconnect', () => void receiver.close());
  send({ endpoint: receiver.endpoint });
});
