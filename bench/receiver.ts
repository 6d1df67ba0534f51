/**
 * The scratch OTLP receiver as its own process, as a collector would be: taking exports in the
 * benchmark process would stall its load generator's clock for the span-exporting apps only.
 * IPC: sends { endpoint } when listening; answers "count" with { runSpans } (parsed only then,
 * so it costs no CPU during the load).
 */
import { RUN_SPAN_NAME } from '../src/vocabulary';
import { startOtlpReceiver } from '../test/support/otlpReceiver';

interface OtlpJson {
  resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[];
}

void startOtlpReceiver().then((receiver) => {
  const send = (message: unknown) => process.send?.(message);
  process.on('message', (message) => {
    if (message === 'count') {
      const runSpans = receiver.received
        .flatMap((r) => (JSON.parse(r.body.toString()) as OtlpJson).resourceSpans)
        .flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans))
        .filter((s) => s.name === RUN_SPAN_NAME).length;
      send({ runSpans });
    }
  });
  process.on('disconnect', () => void receiver.close());
  send({ endpoint: receiver.endpoint });
});
