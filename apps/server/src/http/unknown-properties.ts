/**
 * Body properties the spec does not name. The request schemas are closed (`additionalProperties:
 * false`), so that strict mode can reject the rest; by default this middleware drops exactly what
 * strict mode would reject, in place, before the validator and everything after it see the body,
 * as Tango Card's platform ignores them (real clients send them). Dropping before validation, and
 * not with ajv's removeAdditional, keeps `minProperties` honest: a PATCH of nothing but unknown
 * properties is an empty update.
 */
import type { RequestHandler } from 'express';

interface Schema {
  $ref?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: unknown;
  items?: Schema;
}

interface RequestBody {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
}

interface Spec {
  paths: Record<string, Record<string, { requestBody?: RequestBody }>>;
}

/** Follows local `$ref`s (`#/components/schemas/X`) through the bundled spec. */
function resolver(spec: Spec): <T extends { $ref?: string }>(node: T) => T {
  return (node) => {
    let current = node;
    while (current.$ref) {
      current = current.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], spec) as typeof node;
    }
    return current;
  };
}

/** Removes, at every depth the schema describes, the properties of a closed object it does not name. */
function prune(value: unknown, node: Schema, resolve: ReturnType<typeof resolver>): void {
  const schema = resolve(node);
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) prune(item, schema.items, resolve);
    return;
  }
  if (value === null || typeof value !== 'object' || !schema.properties) return;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Own names only: `__proto__` or `toString` must not find Object.prototype's members.
    if (Object.hasOwn(schema.properties, key)) prune(record[key], schema.properties[key]!, resolve);
    else if (schema.additionalProperties === false) delete record[key];
  }
}

/** The body schema of each operation that takes one, found by method and path (relative to the API's base). */
function bodySchemas(spec: Spec): { method: string; path: RegExp; schema: Schema }[] {
  const resolve = resolver(spec);
  return Object.entries(spec.paths).flatMap(([template, item]) =>
    Object.entries(item).flatMap(([method, operation]) => {
      const schema = operation.requestBody && resolve(operation.requestBody).content?.['application/json']?.schema;
      if (!schema) return [];
      const path = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`);
      return [{ method: method.toUpperCase(), path, schema }];
    }),
  );
}

export function dropUnknownProperties(spec: Spec): RequestHandler {
  const operations = bodySchemas(spec);
  const resolve = resolver(spec);
  return (req, _res, next) => {
    const operation = operations.find((op) => op.method === req.method && op.path.test(req.path));
    if (operation) prune(req.body, operation.schema, resolve);
    next();
  };
}
