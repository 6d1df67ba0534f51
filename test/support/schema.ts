import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

type Schema = Record<string, unknown>;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv); // date-time: the timestamps are checked too

/**
 * Checks a value against a schema of the OpenAPI document (JSON Schema 2020-12) with ajv, its
 * `#/components/schemas/…` references resolved as `$defs`. Returns the problems, one line each, so a
 * test can show every field that the document does not describe.
 */
export function problems(schema: Schema, value: unknown, components: Record<string, Schema>): string[] {
  const asDefs = (s: unknown) =>
    JSON.parse(JSON.stringify(s).replaceAll('#/components/schemas/', '#/$defs/')) as Schema;
  const validate = ajv.compile({ ...asDefs(schema), $defs: asDefs(components) });
  if (validate(value)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `$${e.instancePath.replaceAll('/', '.')} ${e.message ?? 'is invalid'}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

/** Every route an OpenAPI document describes, as `METHOD /path/{param}`. */
export const openApiRoutes = (doc: { paths: Record<string, Record<string, unknown>> }): string[] =>
  Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
