import { z } from 'zod';
import {
  EMIT_REASONS,
  EMIT_STATUSES,
  FEATURE,
  HEALTH_STATUSES,
  METRIC_NAME_PATTERN,
  RUN_ID_PATTERN,
  RUN_ID_RULE,
  RUN_STATUSES,
  SCHEDULE_STATES,
  SIGNALS,
  VERIFY_OUTCOMES,
  VERIFY_REASONS,
  BACKENDS,
  PIPELINE_NAME_PATTERN,
} from '../vocabulary';

/**
 * The API contract, once: requests are validated with these schemas, and the OpenAPI document's
 * components are generated from them (openapi.ts), so no enum or pattern is written twice.
 */
export const schemas = z.registry<{ id: string }>();
const named = <T extends z.ZodType>(id: string, schema: T): T => {
  schemas.add(schema, { id });
  return schema;
};
const bySignal = <T extends z.ZodType>(suffixes: readonly string[], value: T) =>
  z.strictObject(Object.fromEntries(SIGNALS.flatMap((s) => suffixes.map((x) => [`${s}:${x}`, value]))));

const RUN_ID_ERROR = `a run id is ${RUN_ID_RULE}`;
export const runId = z.string({ error: RUN_ID_ERROR }).regex(RUN_ID_PATTERN, { error: RUN_ID_ERROR });
export const metricName = z.string().regex(METRIC_NAME_PATTERN);
const PIPELINE_ERROR = 'a pipeline name is 1-32 lower-case letters, digits, _ and - (starting with a letter)';
export const pipelineName = z.string({ error: PIPELINE_ERROR }).regex(PIPELINE_NAME_PATTERN, { error: PIPELINE_ERROR });

export const RunRequest = named(
  'RunRequest',
  z.strictObject(
    {
      id: runId.describe('a caller-chosen run id, e.g. a deploy sha').optional(),
      wait: z.boolean({ error: '"wait" must be true or false' }).optional(),
      pipeline: pipelineName.describe('the pipeline to prove; the first one when not given').optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? 'unknown field; the body takes "id", "wait" and "pipeline"'
          : 'the body must be a JSON object such as {"id": "deploy-1234", "wait": true}',
    },
  ),
);

const EmitStatus = named(
  'EmitStatus',
  z.strictObject({ status: z.enum(EMIT_STATUSES), reason: z.enum(EMIT_REASONS).optional() }),
);

const Check = named(
  'Check',
  z.strictObject({
    componentId: z.string(),
    pipeline: z.string().optional(),
    componentType: z.string(),
    status: z.enum(HEALTH_STATUSES),
    observedValue: z.number().optional(),
    observedUnit: z.string().optional(),
    outcome: z.enum(VERIFY_OUTCOMES).optional(),
    reason: z.enum(VERIFY_REASONS).optional(),
    backend: z.enum(BACKENDS).optional(),
    output: z.string().optional(),
    time: z.iso.datetime().optional(),
  }),
);

export const RunResponse = named(
  'RunResponse',
  z.strictObject({
    status: z.enum(['ok', 'degraded']).describe('"degraded" when a signal could not be emitted'),
    feature: z.literal(FEATURE),
    message: z.string(),
    timestamp: z.iso.datetime().describe('UTC, ISO-8601 with milliseconds'),
    service: z.string(),
    version: z.string(),
    run_id: z.string().describe('the trace id, or the caller-named id'),
    trace_id: z.string().regex(/^[0-9a-f]{32}$/),
    span_id: z.string().regex(/^[0-9a-f]{16}$/),
    seq: z.int().min(1),
    pipeline: z.string().regex(PIPELINE_NAME_PATTERN).describe('the pipeline the run proves'),
    signals: z.strictObject(Object.fromEntries(SIGNALS.map((s) => [s, EmitStatus]))),
    links: z.strictObject({
      receipt: z.string().describe('path of the receipt: the verdict, once the signals are read back'),
    }),
  }),
);

named('AcceptedRun', RunResponse.extend({ receipt: z.string().describe('path of the receipt') }));

named(
  'Receipt',
  z.strictObject({
    status: z.enum(HEALTH_STATUSES),
    outcome: z.enum(RUN_STATUSES),
    version: z.string(),
    serviceId: z.string(),
    description: z.string(),
    run_id: z.string(),
    trace_id: z.string(),
    span_id: z.string(),
    seq: z.int(),
    time: z.iso.datetime(),
    pipeline: z.string(),
    checks: bySignal(['verification'], z.array(Check)),
    links: z.strictObject({ self: z.string(), metrics: z.string(), health: z.string() }),
  }),
);

named(
  'Health',
  z.strictObject({
    status: z.enum(HEALTH_STATUSES),
    version: z.string(),
    serviceId: z.string(),
    description: z.string(),
    checks: bySignal(['emit', 'verification'], z.array(Check)),
    pipelines: z.record(z.string(), z.enum(HEALTH_STATUSES)).describe("each pipeline's own status"),
  }),
);

named('Error', z.strictObject({ error: z.strictObject({ status: z.int(), code: z.string(), message: z.string() }) }));
named('Probe', z.strictObject({ status: z.string() }));
named('Schedule', z.strictObject({ schedule: z.enum(SCHEDULE_STATES) }));
named(
  'ServiceIndex',
  z.strictObject({
    service: z.string(),
    version: z.string(),
    description: z.string(),
    links: z.record(z.string(), z.string()),
  }),
);
named('LegacyHealth', z.strictObject({ status: z.literal('ok'), message: z.string() }));
named('LegacyService', z.strictObject({ status: z.literal('ok'), service_name: z.string(), version: z.string() }));

/** The components of the OpenAPI document: JSON Schema 2020-12, as OpenAPI 3.1 takes it. */
export function componentSchemas(): Record<string, unknown> {
  const { schemas: out } = z.toJSONSchema(schemas, {
    uri: (id) => `#/components/schemas/${id}`,
    target: 'draft-2020-12',
    io: 'input',
  });
  return Object.fromEntries(
    Object.entries(out).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as Record<string, unknown>;
      return [id, rest];
    }),
  );
}
