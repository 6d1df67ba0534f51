/**
 * The floor: bare Koa plus the required signal libraries, used the plainest way, one of each per
 * request: a winston JSON line to a file and, through @opentelemetry/winston-transport, as an OTLP
 * log record; an sdk-node span exported over OTLP; a prom-client counter. No read-back, no request
 * metrics, no security headers. What the daemon cannot beat.
 *   node dist/bench/requiredStack.js PORT LOG_FILE OTLP_BASE_URL
 */
import Router from '@koa/router';
import { trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK, logs, tracing } from '@opentelemetry/sdk-node';
import Koa from 'koa';
import { Counter, Registry } from 'prom-client';
import { OpenTelemetryTransportV3 } from '@opentelemetry/winston-transport';
import winston from 'winston';
import { runResponse } from '../src/http/answers';
import { VERIFICATION_EVENT, VERIFICATION_MESSAGE } from '../src/vocabulary';
import { emittedRun } from './emittedRun';

const [port, logFile, otlpUrl] = process.argv.slice(2);
const SERVICE = { name: 'required-stack', version: '0.0.0' };
const sdk = new NodeSDK({
  spanProcessors: [new tracing.BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }))],
  logRecordProcessors: [
    new logs.BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }) }),
  ],
  metricReaders: [],
});
sdk.start();
const tracer = trace.getTracer('required-stack');
const logger = winston.createLogger({
  format: winston.format.json(),
  transports: [
    new winston.transports.File({ filename: logFile ?? 'required-stack.log' }),
    new OpenTelemetryTransportV3(),
  ],
});
const registry = new Registry();
const runs = new Counter({ name: 'runs_total', help: 'Runs.', labelNames: ['trigger'], registers: [registry] });

const app = new Koa();
const router = new Router();
let seq = 0;
router.get('/smoke-test', (ctx) => {
  const span = tracer.startSpan('required_stack.run');
  const { traceId, spanId } = span.spanContext();
  seq += 1;
  const run = emittedRun(traceId, spanId, seq);
  logger.info(VERIFICATION_MESSAGE, {
    event: VERIFICATION_EVENT,
    run_id: traceId,
    trace_id: traceId,
    span_id: spanId,
    seq,
    timestamp: run.startedAt.toISOString(),
  });
  span.end();
  runs.inc({ trigger: 'http' });
  ctx.body = runResponse(run, SERVICE);
});
router.get('/readyz', (ctx) => {
  ctx.body = { status: 'ready' };
});
router.get('/metrics', async (ctx) => {
  ctx.type = registry.contentType;
  ctx.body = await registry.metrics();
});
app.use(router.routes());
const server = app.listen(Number(port ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void sdk.shutdown().then(() => process.exit(0))));
