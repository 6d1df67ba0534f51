type Schema = Record<string, unknown>;

/**
 * Checks a value against the subset of JSON Schema the OpenAPI document uses ($ref, allOf, object
 * with properties/required/additionalProperties, array items, enum, const, type). Returns the
 * problems, so a test can show every field that the document does not describe.
 */
export function problems(schema: Schema, value: unknown, components: Record<string, Schema>, at = '$'): string[] {
  if (typeof schema.$ref === 'string')
    return problems(components[schema.$ref.split('/').pop() as string] as Schema, value, components, at);
  if (Array.isArray(schema.allOf)) {
    // allOf of closed objects: each part checks its own keys; unknown keys are those no part knows.
    const parts = schema.allOf.map((s) => resolve(s as Schema, components));
    const known = new Set(parts.flatMap((p) => Object.keys((p.properties as Schema | undefined) ?? {})));
    const out = parts.flatMap((p) => problems({ ...p, additionalProperties: true }, value, components, at));
    if (value && typeof value === 'object')
      for (const k of Object.keys(value)) if (!known.has(k)) out.push(`${at}.${k} is not in the document`);
    return out;
  }
  if (schema.enum && !(schema.enum as unknown[]).includes(value))
    return [`${at} = ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`];
  if ('const' in schema && schema.const !== value)
    return [`${at} = ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at} is not an object`];
      const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
      const out: string[] = [];
      for (const k of (schema.required as string[] | undefined) ?? [])
        if (!(k in value)) out.push(`${at}.${k} is required but missing`);
      for (const [k, v] of Object.entries(value)) {
        if (props[k]) out.push(...problems(props[k], v, components, `${at}.${k}`));
        else if (schema.additionalProperties === false) out.push(`${at}.${k} is not in the document`);
        else if (typeof schema.additionalProperties === 'object')
          out.push(...problems(schema.additionalProperties as Schema, v, components, `${at}.${k}`));
      }
      return out;
    }
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((v, i) => problems(schema.items as Schema, v, components, `${at}[${i}]`))
        : [`${at} is not an array`];
    case 'string':
      return typeof value === 'string' ? [] : [`${at} is not a string`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${at} is not an integer`];
    case 'number':
      return typeof value === 'number' ? [] : [`${at} is not a number`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${at} is not a boolean`];
    default:
      return [];
  }
}

function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  return typeof schema.$ref === 'string'
    ? resolve(components[schema.$ref.split('/').pop() as string] as Schema, components)
    : schema;
}
